/**
 * A real RFC 3161 timestamp authority for tests, on loopback: OpenSSL's own TSA (`openssl ts
 * -reply`) behind a small HTTP server, with a throw-away CA made by openssl in a temp folder.
 *
 * - ca.pem / ca.key       self-signed root (P-256)
 * - tsa.pem / tsa.key     TSA certificate from that root, extendedKeyUsage=critical,timeStamping
 *                         (RFC 3161 §2.3: a TSA certificate must carry exactly that, critical)
 * - tls.pem / tls.key     server certificate for IP 127.0.0.1 from the same root, for the https URL
 * - openssl.cnf           certificate extensions and the `[tsa]` section `openssl ts -reply` reads
 * - tsaserial             serial number file, advanced by openssl for every token
 *
 * Every POST is written to `req-<n>.tsq` and answered with what `openssl ts -reply` produces, as
 * `application/timestamp-reply`. Replies run one at a time because openssl rewrites the serial file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A timestamp query is ~60 bytes; anything near this is not one. */
const MAX_QUERY_BYTES = 64 * 1024;

export interface TsaRequestRecord {
  contentType: string | undefined;
  body: Buffer;
  /** Where the query was written, e.g. for `openssl ts -query -in <file> -text`. */
  file: string;
}

export interface TestTsa {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** https://127.0.0.1:<port>/, with a certificate from the same CA. */
  httpsUrl: string;
  /** Root that issued the TSA and TLS certificates. */
  caCertPath: string;
  caCertPem: string;
  dir: string;
  /** Every query received, in order. */
  requests: TsaRequestRecord[];
  close(): Promise<void>;
}

function config(dir: string, digests: string[]): string {
  return `
[ req ]
distinguished_name = dn
x509_extensions = root_ext
prompt = no

[ dn ]
CN = unused

[ root_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ tls_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1

[ tsa ]
default_tsa = test_tsa

[ test_tsa ]
dir = ${dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = ${digests.join(', ')}
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

async function issue(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(dir, ['req', '-new', '-config', 'openssl.cnf', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'openssl.cnf', '-extensions', extensions, '-out', `${name}.pem`]);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_QUERY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_QUERY_BYTES ? Buffer.concat(chunks) : null));
    req.on('error', reject);
  });
}

/**
 * Starts the TSA. `digests` lists the hash algorithms it accepts (default sha256, sha384, sha512);
 * leave sha256 out to get a real rejection (status 2, failInfo badAlg) for Vigil's queries.
 *
 * @example
 * const tsa = await startTestTsa();
 * const { token } = await requestTimestamp(tsa.url, digest);
 * expect(await verifyTimestamp(token, digest, tsa.caCertPath)).toBe(true);
 * await tsa.close();
 */
export async function startTestTsa(options: { digests?: string[] } = {}): Promise<TestTsa> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-test-tsa-'));
  await writeFile(join(dir, 'openssl.cnf'), config(dir, options.digests ?? ['sha256', 'sha384', 'sha512']));
  await writeFile(join(dir, 'tsaserial'), '01\n');
  await openssl(dir, ['req', '-x509', '-config', 'openssl.cnf', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Vigil test TSA root']);
  await issue(dir, 'tsa', '/CN=Vigil test TSA', 'tsa_ext');
  await issue(dir, 'tls', '/CN=127.0.0.1', 'tls_ext');

  const requests: TsaRequestRecord[] = [];
  let replies: Promise<unknown> = Promise.resolve();

  const reply = (file: string, out: string): Promise<Buffer> => {
    const next = replies.then(async () => {
      await openssl(dir, ['ts', '-reply', '-config', 'openssl.cnf', '-queryfile', file, '-inkey', 'tsa.key', '-signer', 'tsa.pem', '-out', out]);
      return readFile(out);
    });
    replies = next.catch(() => undefined);
    return next;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const body = await readBody(req);
    if (body === null) {
      res.writeHead(413).end();
      return;
    }
    const n = requests.length;
    const file = join(dir, `req-${n}.tsq`);
    requests.push({ contentType: req.headers['content-type'], body, file });
    await writeFile(file, body);
    const response = await reply(file, join(dir, `resp-${n}.tsr`));
    res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': response.length }).end(response);
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    });
  };

  const http = createHttpServer(listener);
  const https = createHttpsServer({ key: await readFile(join(dir, 'tls.key')), cert: await readFile(join(dir, 'tls.pem')) }, listener);
  const [httpPort, httpsPort] = [await listen(http), await listen(https)];
  const caCertPath = join(dir, 'ca.pem');

  return {
    url: `http://127.0.0.1:${httpPort}/`,
    httpsUrl: `https://127.0.0.1:${httpsPort}/`,
    caCertPath,
    caCertPem: await readFile(caCertPath, 'utf8'),
    dir,
    requests,
    async close() {
      for (const server of [http, https]) server.closeAllConnections();
      await Promise.all([http, https].map((server) => new Promise((resolve) => server.close(resolve))));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
