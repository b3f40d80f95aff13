/**
 * RFC 3161 Time-Stamp Protocol client: proof from a third party that a digest (of a custody
 * checkpoint) existed at a time, which the instance's own clock and key cannot give.
 *
 * Requesting is hand-written: a TimeStampReq is five small DER fields, and the answer only needs
 * reading far enough to check the status, that the token covers our digest and nonce, and to pull
 * out genTime and the serial number. Verifying is not: a token is CMS SignedData (RFC 5652) with
 * ESS signing-certificate attributes (RFC 2634 / RFC 5816) and a certificate path to check, which
 * is not worth re-implementing, so `verifyTimestamp` runs `openssl ts -verify`. OpenSSL is already
 * needed on the machine (it is what evidence examiners use to check these tokens independently).
 *
 * The TSA URL comes from the operator's configuration, not from users, so it is fetched directly
 * rather than through the SSRF-guarded fetcher.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whole exchange with the TSA: connect, send, receive. */
export const TSA_TIMEOUT_MS = 10_000;
/** A response is a status plus one signed token with a certificate or two; real ones are a few KiB. */
export const TSA_MAX_RESPONSE_BYTES = 256 * 1024;
/** `openssl ts -verify` runs locally; this only stops a wedged process. */
export const OPENSSL_VERIFY_TIMEOUT_MS = 30_000;
/** 64 random bits make a replayed old response for the same digest detectable (RFC 3161 §2.4.1). */
const NONCE_BYTES = 8;
const SHA256_BYTES = 32;

export type TsaErrorCode = 'bad-request' | 'http' | 'timeout' | 'too-large' | 'malformed' | 'rejected' | 'mismatch';

export class TsaError extends Error {
  readonly code: TsaErrorCode;

  constructor(code: TsaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TsaError';
    this.code = code;
  }
}

export interface Timestamp {
  /** The DER TimeStampResp exactly as the TSA sent it; `verifyTimestamp` accepts it as is. */
  token: Buffer;
  genTime: Date;
  /** The token's serial number, lowercase hex without prefix. */
  serial: string;
}

// --- DER, just the parts TSP uses (X.690 §8 and §10; low tag numbers, definite lengths) ---

const TAG_BOOLEAN = 0x01;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;
const TAG_UTF8_STRING = 0x0c;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_SEQUENCE = 0x30;
const TAG_CONTEXT_0 = 0xa0;

const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derOid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) base128.unshift(0x80 | n % 128);
    bytes.push(...base128);
  }
  return der(TAG_OID, Buffer.from(bytes));
}

/** A non-negative INTEGER from big-endian magnitude bytes: minimal, with a 0x00 if the top bit is set. */
function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = magnitude.subarray(start);
  return der(TAG_INTEGER, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

interface DerNode {
  tag: number;
  content: Buffer;
  /** Tag, length and content. */
  raw: Buffer;
}

function malformed(what: string): TsaError {
  return new TsaError('malformed', `malformed TSA response: ${what}`);
}

function readNode(buf: Buffer, offset: number): DerNode {
  if (offset + 2 > buf.length) throw malformed('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed('high tag number');
  let length = buf[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; 4 length bytes is far past our size cap.
    if (count === 0 || count > 4) throw malformed('unsupported length');
    if (contentStart + count > buf.length) throw malformed('truncated');
    length = buf.readUIntBE(contentStart, count);
    contentStart += count;
  }
  if (contentStart + length > buf.length) throw malformed('truncated');
  return { tag, content: buf.subarray(contentStart, contentStart + length), raw: buf.subarray(offset, contentStart + length) };
}

function parseDer(buf: Buffer): DerNode {
  const node = readNode(buf, 0);
  if (node.raw.length !== buf.length) throw malformed('trailing bytes');
  return node;
}

function childrenOf(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const child = readNode(node.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node?.tag !== tag) throw malformed(`expected ${what}`);
  return node;
}

/** Big-endian magnitude bytes as lowercase hex without leading zeros. */
function magnitudeHex(bytes: Buffer): string {
  return BigInt(`0x${bytes.toString('hex') || '0'}`).toString(16);
}

/** A non-negative INTEGER's value as lowercase hex. */
function integerHex(node: DerNode): string {
  return magnitudeHex(node.content);
}

// RFC 3161 §2.4.2 PKIFailureInfo bit names, for a message an operator can act on.
const FAILURE_BITS: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

function failureNames(bits: DerNode): string[] {
  const names: string[] = [];
  // First content byte counts the unused trailing bits; bit 0 is the top bit of the next byte.
  for (let i = 0; i < (bits.content.length - 1) * 8; i++) {
    if (bits.content[1 + (i >> 3)]! & (0x80 >> (i & 7))) names.push(FAILURE_BITS[i] ?? `bit ${i}`);
  }
  return names;
}

function parseGeneralizedTime(node: DerNode): Date {
  // RFC 3161 §2.4.2: YYYYMMDDhhmmss[.s...]Z, always UTC.
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(node.content.toString('latin1'));
  if (!m) throw malformed('genTime');
  const [, y, mo, d, h, mi, s, fraction = ''] = m;
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}

/** The TimeStampReq of RFC 3161 §2.4.1 for a SHA-256 digest. */
function buildRequest(digest: Uint8Array, nonce: Uint8Array): Buffer {
  const hashAlgorithm = der(TAG_SEQUENCE, derOid(OID_SHA256), der(TAG_NULL));
  const messageImprint = der(TAG_SEQUENCE, hashAlgorithm, der(TAG_OCTET_STRING, digest));
  // certReq TRUE: the TSA's certificate travels in the token, so the CA alone verifies it later.
  return der(TAG_SEQUENCE, derUnsignedInteger(Uint8Array.of(1)), messageImprint, derUnsignedInteger(nonce), der(TAG_BOOLEAN, Uint8Array.of(0xff)));
}

/** TimeStampResp (RFC 3161 §2.4.2) → status checked → TSTInfo checked against our request. */
function readResponse(response: Buffer, digest: Buffer, nonce: Buffer): { genTime: Date; serial: string } {
  const [statusInfo, token] = childrenOf(expectTag(parseDer(response), TAG_SEQUENCE, 'TimeStampResp'));
  const [status, ...statusRest] = childrenOf(expectTag(statusInfo, TAG_SEQUENCE, 'PKIStatusInfo'));
  const statusValue = Number(integerHex(expectTag(status, TAG_INTEGER, 'PKIStatus')));
  // 0 granted, 1 grantedWithMods; anything else carries no token.
  if (statusValue !== 0 && statusValue !== 1) {
    const text = statusRest
      .filter((n) => n.tag === TAG_SEQUENCE)
      .flatMap(childrenOf)
      .filter((n) => n.tag === TAG_UTF8_STRING)
      .map((n) => n.content.toString('utf8'));
    const failure = statusRest.filter((n) => n.tag === TAG_BIT_STRING).flatMap(failureNames);
    throw new TsaError('rejected', `TSA refused the request: status ${statusValue}${failure.length ? ` (${failure.join(', ')})` : ''}${text.length ? `: ${text.join('; ')}` : ''}`);
  }

  const [contentType, signedDataWrapper] = childrenOf(expectTag(token, TAG_SEQUENCE, 'TimeStampToken'));
  if (!expectTag(contentType, TAG_OID, 'contentType').raw.equals(derOid(OID_SIGNED_DATA))) throw malformed('token is not SignedData');
  const [signedData] = childrenOf(expectTag(signedDataWrapper, TAG_CONTEXT_0, 'SignedData content'));
  const [, , encapsulated] = childrenOf(expectTag(signedData, TAG_SEQUENCE, 'SignedData'));
  const [eContentType, eContentWrapper] = childrenOf(expectTag(encapsulated, TAG_SEQUENCE, 'EncapsulatedContentInfo'));
  if (!expectTag(eContentType, TAG_OID, 'eContentType').raw.equals(derOid(OID_TST_INFO))) throw malformed('content is not TSTInfo');
  const [eContent] = childrenOf(expectTag(eContentWrapper, TAG_CONTEXT_0, 'eContent'));
  const tstInfo = parseDer(expectTag(eContent, TAG_OCTET_STRING, 'TSTInfo octets').content);

  const [, , imprint, serial, genTime, ...optional] = childrenOf(expectTag(tstInfo, TAG_SEQUENCE, 'TSTInfo'));
  const [algorithm, hashed] = childrenOf(expectTag(imprint, TAG_SEQUENCE, 'messageImprint'));
  const [algorithmOid] = childrenOf(expectTag(algorithm, TAG_SEQUENCE, 'hashAlgorithm'));
  if (!expectTag(algorithmOid, TAG_OID, 'hash OID').raw.equals(derOid(OID_SHA256)) || !expectTag(hashed, TAG_OCTET_STRING, 'hashedMessage').content.equals(digest)) {
    throw new TsaError('mismatch', 'the timestamp does not cover the digest sent');
  }
  // After genTime the only INTEGER TSTInfo can hold is the nonce (accuracy is a SEQUENCE, ordering a BOOLEAN).
  const echoed = optional.find((n) => n.tag === TAG_INTEGER);
  if (echoed === undefined || integerHex(echoed) !== magnitudeHex(nonce)) {
    throw new TsaError('mismatch', 'the timestamp does not carry the nonce sent: a replayed or foreign response');
  }
  return { genTime: parseGeneralizedTime(expectTag(genTime, TAG_GENERALIZED_TIME, 'genTime')), serial: integerHex(expectTag(serial, TAG_INTEGER, 'serialNumber')) };
}

function post(url: URL, body: Buffer, timeoutMs: number, ca: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (error: TsaError): void => {
      finish(() => reject(error));
      req.destroy();
    };
    const options = {
      method: 'POST',
      // RFC 3161 §3.4: the request and response media types over HTTP.
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply', 'content-length': body.length },
      ...(ca === undefined ? {} : { ca }),
    };
    const onResponse = (res: IncomingMessage): void => {
      if (res.statusCode !== 200) {
        fail(new TsaError('http', `TSA answered HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > TSA_MAX_RESPONSE_BYTES) fail(new TsaError('too-large', `TSA response exceeds ${TSA_MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(() => resolve(Buffer.concat(chunks))));
      res.on('error', (e) => fail(new TsaError('http', `TSA response failed: ${e.message}`, { cause: e })));
    };
    const req = url.protocol === 'https:' ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    const timer = setTimeout(() => fail(new TsaError('timeout', `TSA did not answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => fail(new TsaError('http', `TSA request failed: ${e.message}`, { cause: e })));
    req.end(body);
  });
}

/**
 * Asks the TSA at `tsaUrl` to timestamp a SHA-256 digest, and checks that the answer grants it for
 * this digest and this request's nonce. It does not check the TSA's signature: use verifyTimestamp.
 *
 * @param options.ca PEM certificate(s) to trust for an https:// TSA, besides the system's.
 * @example
 * const { token, genTime } = await requestTimestamp(config.tsaUrl, sha256(signature));
 * @throws TsaError
 */
export async function requestTimestamp(
  tsaUrl: string,
  digest: Uint8Array,
  options: { timeoutMs?: number; ca?: string } = {},
): Promise<Timestamp> {
  if (digest.length !== SHA256_BYTES) throw new TsaError('bad-request', `a SHA-256 digest has ${SHA256_BYTES} bytes, got ${digest.length}`);
  let url: URL;
  try {
    url = new URL(tsaUrl);
  } catch {
    throw new TsaError('bad-request', `not a URL: ${tsaUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TsaError('bad-request', `TSA URL must be http or https: ${tsaUrl}`);
  const nonce = randomBytes(NONCE_BYTES);
  const response = await post(url, buildRequest(digest, nonce), options.timeoutMs ?? TSA_TIMEOUT_MS, options.ca);
  return { token: response, ...readResponse(response, Buffer.from(digest), nonce) };
}

/**
 * Whether `token` (a TimeStampResp as requestTimestamp returns, or a bare TimeStampToken) is a
 * valid timestamp of `digest` by a TSA certified by the CA in `caCertPemPath`: `openssl ts -verify`
 * checks the CMS signature, the ESS certificate binding, the TSA certificate's critical
 * timeStamping extended key usage and its path to the CA, and the message imprint.
 *
 * @throws Error when the CA file is unreadable or openssl cannot be run (a configuration fault, not a verdict).
 */
export async function verifyTimestamp(token: Uint8Array, digest: Uint8Array, caCertPemPath: string): Promise<boolean> {
  await access(caCertPemPath);
  let firstField: number | undefined;
  try {
    firstField = childrenOf(parseDer(Buffer.from(token)))[0]?.tag;
  } catch {
    return false;
  }
  // A TimeStampResp starts with its PKIStatusInfo (a SEQUENCE), a TimeStampToken with its contentType OID.
  const tokenIn = firstField === TAG_OID ? ['-token_in'] : [];
  const dir = await mkdtemp(join(tmpdir(), 'vigil-tsa-verify-'));
  try {
    const file = join(dir, 'token.der');
    await writeFile(file, token);
    const args = ['ts', '-verify', '-in', file, ...tokenIn, '-digest', Buffer.from(digest).toString('hex'), '-CAfile', caCertPemPath];
    return await new Promise<boolean>((resolve, reject) => {
      execFile('openssl', args, { timeout: OPENSSL_VERIFY_TIMEOUT_MS }, (error, stdout) => {
        if (error === null) resolve(stdout.includes('Verification: OK'));
        // A numeric exit code is openssl's verdict; no code means it could not run or was killed.
        else if (typeof error.code === 'number' && error.killed !== true) resolve(false);
        else reject(error);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
