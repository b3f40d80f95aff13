/**
 * The instance's Ed25519 key, which signs custody checkpoints. Generated on first start and kept
 * in the data folder:
 *
 *   <dataDir>/keys/instance-ed25519.pem       PKCS#8 private key, mode 0600
 *   <dataDir>/keys/instance-ed25519.pub.pem   SPKI public key, to hand to whoever verifies
 *
 * The private key is the source of truth: the public key and the key id are derived from it on
 * every load, and a public-key file that disagrees is refused rather than trusted, since a
 * verifier given the wrong public key would reject every genuine checkpoint.
 *
 * Synchronous on purpose: it runs once at start-up, before anything can be signed.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const INSTANCE_KEY_FILE = 'instance-ed25519.pem';
export const INSTANCE_PUBLIC_KEY_FILE = 'instance-ed25519.pub.pem';

export interface InstanceKey {
  /** First 16 hex digits of the SHA-256 of the raw 32-byte public key. */
  keyId: string;
  publicKeyPem: string;
  sign(message: Uint8Array): Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export class InstanceKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstanceKeyError';
  }
}

/** SHA-256 for the pure algorithms' `Sha256` port. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

function ed25519PublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new InstanceKeyError(`not a public key PEM: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InstanceKeyError(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

function keyIdOf(publicKey: KeyObject): string {
  // The JWK `x` member is the raw public key (RFC 8037 §2), the form other tools print.
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** The key id of an Ed25519 public key PEM, to match a checkpoint's instanceKeyId to its key. */
export function keyIdForPublicKey(publicKeyPem: string): string {
  return keyIdOf(ed25519PublicKey(publicKeyPem));
}

/** Whether `signature` is an Ed25519 signature of `message` by this public key. */
export function verifyWithPublicKey(publicKeyPem: string, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyEd25519(ed25519PublicKey(publicKeyPem), message, signature);
}

function verifyEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    // A signature of the wrong length makes OpenSSL raise instead of answering no.
    return false;
  }
}

/**
 * Writes `path` only if it does not exist, never leaving a partial file under that name: the
 * content goes to a fresh temporary file (`wx`), is flushed, then hard-linked into place. link(2)
 * fails with EEXIST if another process got there first, so of two processes starting at once
 * exactly one key wins and the other reads a complete file. (Opening `path` itself with `wx`
 * would also pick one winner, but the loser could read it before the winner finished writing.)
 * Returns whether this call created it.
 */
function createExclusive(path: string, content: string, mode: number): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    // The umask can only clear bits, but an unusual one could clear the owner's; be exact.
    fchmodSync(fd, mode);
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(temp);
  }
}

function fsyncDirectory(dir: string): void {
  // A new key that vanishes in a crash would orphan every checkpoint already signed with it.
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function publicKeysEqual(pem: string, publicKey: KeyObject): boolean {
  try {
    return ed25519PublicKey(pem).equals(publicKey);
  } catch (e) {
    if (e instanceof InstanceKeyError) return false;
    throw e;
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Loads the instance key from `<dataDir>/keys`, generating it on first use.
 *
 * @example
 * const key = loadOrCreateInstanceKey(config.dataDir);
 * const signature = key.sign(checkpointMessage(body));
 * @throws InstanceKeyError when the stored key is not Ed25519 or the public-key file does not match it.
 */
export function loadOrCreateInstanceKey(dataDir: string): InstanceKey {
  const dir = join(dataDir, 'keys');
  const privatePath = join(dir, INSTANCE_KEY_FILE);
  const publicPath = join(dir, INSTANCE_PUBLIC_KEY_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  let privatePem = readIfExists(privatePath);
  if (privatePem === null) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    createExclusive(privatePath, pem, 0o600);
    fsyncDirectory(dir);
    // Whoever won the race, everyone uses the key now on disk.
    privatePem = readFileSync(privatePath, 'utf8');
  }

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privatePem);
  } catch (e) {
    throw new InstanceKeyError(`${privatePath} is not a private key PEM: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InstanceKeyError(`${privatePath} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();

  const storedPublicPem = readIfExists(publicPath);
  if (storedPublicPem === null) {
    createExclusive(publicPath, publicKeyPem, 0o644);
  } else if (!publicKeysEqual(storedPublicPem, publicKey)) {
    throw new InstanceKeyError(`${publicPath} does not match the private key in ${privatePath}`);
  }

  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem,
    sign: (message) => sign(null, message, privateKey),
    verify: (message, signature) => verifyEd25519(publicKey, message, signature),
  };
}
