import { execFile, spawn } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointMessage, verifyCheckpoint, type CheckpointBody } from '../../algorithms/custody-chain/custody-chain.ts';
import {
  INSTANCE_KEY_FILE,
  INSTANCE_PUBLIC_KEY_FILE,
  InstanceKeyError,
  keyIdForPublicKey,
  loadOrCreateInstanceKey,
  sha256,
  verifyWithPublicKey,
} from './instance-key.ts';

const run = promisify(execFile);
const message = new TextEncoder().encode('vigil-custody-checkpoint-v1\n{"seq":1}');

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-instance-key-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const privatePath = () => join(dataDir, 'keys', INSTANCE_KEY_FILE);
const publicPath = () => join(dataDir, 'keys', INSTANCE_PUBLIC_KEY_FILE);

describe('loadOrCreateInstanceKey', () => {
  it('creates an Ed25519 key readable only by its owner, and its public key beside it', () => {
    const key = loadOrCreateInstanceKey(dataDir);
    expect(statSync(privatePath()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(privatePath(), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(readFileSync(publicPath(), 'utf8')).toBe(key.publicKeyPem);
    expect(createPublicKey(key.publicKeyPem).asymmetricKeyType).toBe('ed25519');
    expect(readdirSync(join(dataDir, 'keys')).sort()).toEqual([INSTANCE_KEY_FILE, INSTANCE_PUBLIC_KEY_FILE].sort());
  });

  it('names the key by the first 16 hex digits of the SHA-256 of the raw public key', () => {
    const key = loadOrCreateInstanceKey(dataDir);
    // SPKI DER of an Ed25519 key is a fixed 12-byte header followed by the 32 raw key bytes (RFC 8410).
    const der = createPublicKey(key.publicKeyPem).export({ format: 'der', type: 'spki' });
    expect(der).toHaveLength(44);
    expect(key.keyId).toBe(createHash('sha256').update(der.subarray(12)).digest('hex').slice(0, 16));
    expect(keyIdForPublicKey(key.publicKeyPem)).toBe(key.keyId);
  });

  it('loads the same key on the next start', () => {
    const first = loadOrCreateInstanceKey(dataDir);
    const privatePem = readFileSync(privatePath(), 'utf8');
    const second = loadOrCreateInstanceKey(dataDir);
    expect(second.keyId).toBe(first.keyId);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(readFileSync(privatePath(), 'utf8')).toBe(privatePem);
    expect(second.verify(message, first.sign(message))).toBe(true);
  });

  it('signs so that the key, the public key file and openssl all verify, and a changed message or signature does not', async () => {
    const key = loadOrCreateInstanceKey(dataDir);
    const signature = key.sign(message);
    expect(signature).toHaveLength(64);
    expect(key.verify(message, signature)).toBe(true);
    const publicPem = readFileSync(publicPath(), 'utf8');
    expect(verifyWithPublicKey(publicPem, message, signature)).toBe(true);

    const changed = Uint8Array.from(message, (b, i) => (i === 5 ? b ^ 1 : b));
    expect(key.verify(changed, signature)).toBe(false);
    expect(verifyWithPublicKey(publicPem, changed, signature)).toBe(false);
    const flipped = Uint8Array.from(signature, (b, i) => (i === 63 ? b ^ 0x80 : b));
    expect(key.verify(message, flipped)).toBe(false);
    expect(verifyWithPublicKey(publicPem, message, signature.subarray(0, 10))).toBe(false);

    // An examiner can check a signature with stock OpenSSL and nothing from Vigil.
    writeFileSync(join(dataDir, 'msg'), message);
    writeFileSync(join(dataDir, 'sig'), signature);
    const { stdout } = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', publicPath(), '-rawin', '-in', join(dataDir, 'msg'), '-sigfile', join(dataDir, 'sig')]);
    expect(stdout).toMatch(/Signature Verified Successfully/);
  });

  it('signs checkpoints that verify with only the public key', () => {
    const key = loadOrCreateInstanceKey(dataDir);
    const checkpoint: CheckpointBody = { agencyId: 'agency-1', seq: 3, headHash: 'ab'.repeat(32), at: 1_767_225_600_000, instanceKeyId: key.keyId };
    const signature = key.sign(checkpointMessage(checkpoint));
    const publicPem = readFileSync(publicPath(), 'utf8');
    const verify = (msg: Uint8Array, sig: Uint8Array, keyId: string) => keyId === keyIdForPublicKey(publicPem) && verifyWithPublicKey(publicPem, msg, sig);
    expect(verifyCheckpoint(checkpoint, signature, verify)).toBe(true);
    expect(verifyCheckpoint({ ...checkpoint, seq: 4 }, signature, verify)).toBe(false);
  });

  it('writes the public key file again if it is missing, and refuses one that belongs to another key', () => {
    const key = loadOrCreateInstanceKey(dataDir);
    rmSync(publicPath());
    expect(loadOrCreateInstanceKey(dataDir).keyId).toBe(key.keyId);
    expect(readFileSync(publicPath(), 'utf8')).toBe(key.publicKeyPem);

    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    writeFileSync(publicPath(), other);
    expect(() => loadOrCreateInstanceKey(dataDir)).toThrow(InstanceKeyError);
    writeFileSync(publicPath(), 'not a key');
    expect(() => loadOrCreateInstanceKey(dataDir)).toThrow(/does not match/);
  });

  it('refuses a private key that is not Ed25519, or not a key', () => {
    mkdirSync(join(dataDir, 'keys'));
    writeFileSync(privatePath(), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    expect(() => loadOrCreateInstanceKey(dataDir)).toThrow(/not Ed25519/);
    writeFileSync(privatePath(), 'garbage');
    expect(() => loadOrCreateInstanceKey(dataDir)).toThrow(InstanceKeyError);
  });

  it('gives every process started at once the same key, and leaves no temporary files', async () => {
    const modulePath = fileURLToPath(new URL('./instance-key.ts', import.meta.url));
    const script = `import { loadOrCreateInstanceKey } from ${JSON.stringify(modulePath)}; process.stdout.write(loadOrCreateInstanceKey(process.argv[1]).keyId);`;
    const start = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const keyIds = await Promise.all(Array.from({ length: 8 }, start));
    expect(new Set(keyIds).size).toBe(1);
    expect(keyIds[0]).toBe(loadOrCreateInstanceKey(dataDir).keyId);
    expect(readdirSync(join(dataDir, 'keys')).sort()).toEqual([INSTANCE_KEY_FILE, INSTANCE_PUBLIC_KEY_FILE].sort());
  });
});

describe('verifyWithPublicKey', () => {
  it('refuses a key that is not an Ed25519 public key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => verifyWithPublicKey(ec, message, new Uint8Array(64))).toThrow(InstanceKeyError);
    expect(() => verifyWithPublicKey('nope', message, new Uint8Array(64))).toThrow(InstanceKeyError);
  });
});

describe('sha256', () => {
  it('is SHA-256', () => {
    expect(Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
