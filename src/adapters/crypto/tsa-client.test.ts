import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTsa, type TestTsa } from '../../../test/tsa-server.ts';
import { requestTimestamp, TSA_MAX_RESPONSE_BYTES, TsaError, verifyTimestamp } from './tsa-client.ts';

const run = promisify(execFile);
const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();

let tsa: TestTsa;
let otherTsa: TestTsa;
beforeAll(async () => {
  const { stdout } = await run('openssl', ['version']);
  expect(stdout).toMatch(/^OpenSSL 3\./);
  [tsa, otherTsa] = await Promise.all([startTestTsa(), startTestTsa({ digests: ['sha384', 'sha512'] })]);
});
afterAll(async () => {
  await Promise.all([tsa?.close(), otherTsa?.close()]);
});

/** A stand-in for a broken TSA: only for failures a real one will not produce on demand. */
async function withServer(listener: RequestListener, body: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function rejection(promise: Promise<unknown>): Promise<TsaError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TsaError);
  return error as TsaError;
}

describe('requestTimestamp against a real TSA (openssl ts -reply)', () => {
  it('gets a granted timestamp of now for the digest', async () => {
    const digest = digestOf('checkpoint 1');
    const before = Date.now();
    const { token, genTime, serial } = await requestTimestamp(tsa.url, digest);
    // genTime has whole seconds (accuracy secs:1), so allow the second it was truncated from.
    expect(genTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(genTime.getTime()).toBeLessThanOrEqual(Date.now());
    expect(serial).toMatch(/^[0-9a-f]+$/);
    expect(token[0]).toBe(0x30);
    expect(tsa.requests.at(-1)!.contentType).toBe('application/timestamp-query');
  });

  it('sends a query openssl reads as: v1, SHA-256 of our digest, a nonce, certificate requested', async () => {
    const digest = digestOf('checkpoint 2');
    await requestTimestamp(tsa.url, digest);
    const { stdout } = await run('openssl', ['ts', '-query', '-in', tsa.requests.at(-1)!.file, '-text']);
    expect(stdout).toMatch(/Version: 1/);
    expect(stdout).toMatch(/Hash Algorithm: sha256/);
    // Hex dump lines: "    0000 - 2d 71 16 42 b7 26 b0 44-01 62 ...   <ascii>".
    const dumped = [...stdout.matchAll(/^ {4}[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){15}[0-9a-f]{2})/gm)].map((m) => m[1]!.replace(/[ -]/g, '')).join('');
    expect(dumped).toBe(digest.toString('hex'));
    expect(stdout).toMatch(/Nonce: 0x[0-9A-F]+/i);
    expect(stdout).toMatch(/Certificate required: yes/);
  });

  it('gives each token its own serial and each query its own nonce', async () => {
    const digest = digestOf('same digest');
    const [a, b] = [await requestTimestamp(tsa.url, digest), await requestTimestamp(tsa.url, digest)];
    expect(a.serial).not.toBe(b.serial);
    const queries = tsa.requests.slice(-2).map((r) => r.body.toString('hex'));
    expect(queries[0]).not.toBe(queries[1]);
  });

  it('works over https when given the TSA’s CA, and refuses an unknown certificate without it', async () => {
    const digest = digestOf('over tls');
    const { token } = await requestTimestamp(tsa.httpsUrl, digest, { ca: tsa.caCertPem });
    expect(await verifyTimestamp(token, digest, tsa.caCertPath)).toBe(true);
    expect((await rejection(requestTimestamp(tsa.httpsUrl, digest))).code).toBe('http');
  });

  it('reports a TSA that refuses, with its reason', async () => {
    const error = await rejection(requestTimestamp(otherTsa.url, digestOf('x')));
    expect(error.code).toBe('rejected');
    expect(error.message).toMatch(/status 2/);
    expect(error.message).toMatch(/badAlg/);
  });

  it('refuses a digest that is not SHA-256-sized and a URL that is not http(s)', async () => {
    expect((await rejection(requestTimestamp(tsa.url, new Uint8Array(31)))).code).toBe('bad-request');
    expect((await rejection(requestTimestamp('ftp://127.0.0.1/', digestOf('x')))).code).toBe('bad-request');
    expect((await rejection(requestTimestamp('not a url', digestOf('x')))).code).toBe('bad-request');
  });
});

describe('requestTimestamp against a broken TSA', () => {
  it('reports an HTTP error status', async () => {
    await withServer(
      (_req, res) => res.writeHead(500).end('down'),
      async (url) => expect((await rejection(requestTimestamp(url, digestOf('x')))).code).toBe('http'),
    );
  });

  it('reports a body that is not a TimeStampResp', async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end('hello, world'),
      async (url) => expect((await rejection(requestTimestamp(url, digestOf('x')))).code).toBe('malformed'),
    );
  });

  it('reports a genuine response to another query: wrong digest, then wrong nonce', async () => {
    const theirs = digestOf('someone else’s');
    await requestTimestamp(tsa.url, theirs);
    const stale = await readFile(join(tsa.dir, `resp-${tsa.requests.length - 1}.tsr`));
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(stale),
      async (url) => {
        const wrongDigest = await rejection(requestTimestamp(url, digestOf('mine')));
        expect(wrongDigest.code).toBe('mismatch');
        expect(wrongDigest.message).toMatch(/digest/);
        // Same digest, but a replay: the nonce is the earlier query's.
        const replay = await rejection(requestTimestamp(url, theirs));
        expect(replay.code).toBe('mismatch');
        expect(replay.message).toMatch(/nonce/);
      },
    );
  });

  it('stops reading past the size limit', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
        res.end(Buffer.alloc(TSA_MAX_RESPONSE_BYTES + 1));
      },
      async (url) => expect((await rejection(requestTimestamp(url, digestOf('x')))).code).toBe('too-large'),
    );
  });

  it('gives up on a TSA that never answers', async () => {
    await withServer(
      () => undefined,
      async (url) => expect((await rejection(requestTimestamp(url, digestOf('x'), { timeoutMs: 200 }))).code).toBe('timeout'),
    );
  });
});

describe('verifyTimestamp (openssl ts -verify)', () => {
  it('accepts the token for its digest and CA, and nothing else', async () => {
    const digest = digestOf('checkpoint 3');
    const { token } = await requestTimestamp(tsa.url, digest);
    expect(await verifyTimestamp(token, digest, tsa.caCertPath)).toBe(true);
    expect(await verifyTimestamp(token, digestOf('checkpoint 4'), tsa.caCertPath)).toBe(false);
    expect(await verifyTimestamp(token, digest, otherTsa.caCertPath)).toBe(false);
  });

  it('rejects a token with any byte of its signed content changed', async () => {
    const digest = digestOf('checkpoint 5');
    const { token } = await requestTimestamp(tsa.url, digest);
    // The TSTInfo's genTime sits inside the signed content; change one digit of it.
    const at = token.indexOf(Buffer.from([0x18, 0x0f]));
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(token);
    tampered[at + 2 + 13] = tampered[at + 2 + 13] === 0x30 ? 0x31 : 0x30;
    expect(await verifyTimestamp(tampered, digest, tsa.caCertPath)).toBe(false);
    expect(await verifyTimestamp(Buffer.from('garbage'), digest, tsa.caCertPath)).toBe(false);
  });

  it('accepts a bare TimeStampToken as well as the whole response', async () => {
    const digest = digestOf('checkpoint 6');
    const { token } = await requestTimestamp(tsa.url, digest);
    const responseFile = join(tsa.dir, 'whole.tsr');
    const tokenFile = join(tsa.dir, 'bare.tst');
    await writeFile(responseFile, token);
    await run('openssl', ['ts', '-reply', '-in', responseFile, '-token_out', '-out', tokenFile]);
    const bare = await readFile(tokenFile);
    // ContentInfo: SEQUENCE with a two-byte length, then the signedData OID.
    expect([bare[0], bare[1], bare[4]]).toEqual([0x30, 0x82, 0x06]);
    expect(await verifyTimestamp(bare, digest, tsa.caCertPath)).toBe(true);
    expect(await verifyTimestamp(bare, digestOf('other'), tsa.caCertPath)).toBe(false);
  });

  it('throws for a CA file that does not exist: a configuration fault, not a verdict', async () => {
    const { token } = await requestTimestamp(tsa.url, digestOf('x'));
    await expect(verifyTimestamp(token, digestOf('x'), join(tsa.dir, 'missing.pem'))).rejects.toThrow(/ENOENT/);
  });
});
