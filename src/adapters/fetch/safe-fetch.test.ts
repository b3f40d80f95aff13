import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSocks5Server } from '../../../test/socks5-server.ts';
import type { Socks5TestServer } from '../../../test/socks5-server.ts';
import { createSafeFetcher, FETCH_MAX_REDIRECTS, FETCHER_VERSION, FetchError } from './safe-fetch.ts';
import type { FetchErrorCode, ResolvedAddress, SafeFetcherOptions } from './safe-fetch.ts';

/** A v3 onion name: 56 base32 characters. */
const ONION = `${'abcdefghijklmnopqrstuvwxyz234567'}${'abcdefghijklmnopqrstuvwx'}.onion`;
const LOOPBACK_ONLY = ['127.0.0.1/32'];
const SMALL = { maxBytes: 1000, idleTimeoutMs: 500, timeoutMs: 3000 };

let dir: string;
let cert: string;
let key: string;
let expiredCert: string;
let expiredKey: string;
let png: Buffer;
let bomb: Buffer;
let brotliBomb: Buffer;

let port: number; // the app on 127.0.0.1, and the traps on 127.0.0.2 and [::1], all on the same port
let httpsPort: number;
let expiredPort: number;
let slowPort: number;
let proxy: Socks5TestServer;
const servers: net.Server[] = [];
let appConnections = 0;
let trapConnections = 0;

const HTML = '<!doctype html><title>ok</title><p>captured</p>';

function app(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = req.url ?? '/';
  const redirect = (location: string): void => {
    res.writeHead(302, { location }).end();
  };
  const send = (headers: Record<string, string>, body: Buffer | string): void => {
    res.writeHead(200, headers).end(body);
  };
  const chain = /^\/redirect\/(\d+)$/.exec(path);
  if (chain !== null) {
    const left = Number(chain[1]);
    if (left > 0) redirect(`/redirect/${left - 1}`);
    else send({ 'content-type': 'text/plain' }, 'done');
    return;
  }
  switch (path) {
    case '/ok':
      res.writeHead(200, ['Content-Type', 'text/html; charset=utf-8', 'X-Test', 'one', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
      res.end(HTML);
      return;
    case '/loop/a':
      return redirect('/loop/b');
    case '/loop/b':
      return redirect('/loop/a');
    case '/to-trap':
      return redirect(`http://127.0.0.2:${port}/secret`);
    case '/to-trap6':
      return redirect(`http://[::1]:${port}/secret`);
    case '/to-metadata':
      return redirect('http://169.254.169.254/latest/meta-data/');
    case '/to-file':
      return redirect('file:///etc/passwd');
    case '/to-credentials':
      return redirect(`http://admin:admin@127.0.0.1:${port}/ok`);
    case '/big-length':
      return send({ 'content-type': 'text/plain', 'content-length': '5000' }, 'x'.repeat(5000));
    case '/big-chunked':
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 10; i++) res.write('x'.repeat(500));
      res.end();
      return;
    case '/gzip-bomb':
      return send({ 'content-type': 'text/html', 'content-encoding': 'gzip' }, bomb);
    case '/br-bomb':
      return send({ 'content-type': 'text/html', 'content-encoding': 'br' }, brotliBomb);
    case '/gzip':
      return send({ 'content-type': 'text/html', 'content-encoding': 'gzip' }, gzipSync(HTML));
    case '/br':
      return send({ 'content-type': 'text/html', 'content-encoding': 'br' }, brotliCompressSync(HTML));
    case '/deflate':
      return send({ 'content-type': 'text/html', 'content-encoding': 'deflate' }, deflateSync(HTML));
    case '/deflate-raw':
      return send({ 'content-type': 'text/html', 'content-encoding': 'deflate' }, deflateRawSync(HTML));
    case '/bad-gzip':
      return send({ 'content-type': 'text/plain', 'content-encoding': 'gzip' }, 'this is not gzip');
    case '/zstd-claimed':
      return send({ 'content-type': 'text/plain', 'content-encoding': 'zstd' }, 'opaque bytes');
    case '/png-as-html':
      return send({ 'content-type': 'text/html' }, png);
    case '/arabic-legacy':
      // "<html><body>" + Arabic in windows-1256, which is not UTF-8.
      return send({ 'content-type': 'application/octet-stream' }, Buffer.concat([Buffer.from('<html><body>'), Buffer.from([0xc7, 0xe1, 0xd3, 0xe1, 0xc7, 0xe3])]));
    case '/json-as-text':
      return send({ 'content-type': 'text/plain' }, '{"channel":"x","posts":[1,2,3]}');
    case '/no-headers':
      return; // never answers
    default:
      res.writeHead(404).end('not found');
  }
}

/** Headers, then one body byte every `interval` ms: slowloris from the server side. */
function slowServer(): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', (request) => {
      const interval = request.toString('latin1').startsWith('GET /drip') ? 50 : 2000;
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n');
      const timer = setInterval(() => socket.write('a'), interval);
      socket.on('close', () => clearInterval(timer));
    });
  });
}

async function listen(server: net.Server, host: string, wanted = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted, host, () => resolve());
  });
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCertificates(): void {
  openssl(
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', `subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:${ONION}`,
  );
  // `req -x509` cannot back-date, so the expired certificate is self-signed through `ca` with explicit dates.
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial',
    'default_md = sha256', 'policy = p', 'copy_extensions = copy', '[p]', 'commonName = supplied', '',
  ].join('\n'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  openssl(
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'expired-key.pem', '-out', 'expired.csr', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
  );
  openssl(
    'ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'expired-key.pem', '-in', 'expired.csr',
    '-out', 'expired.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z',
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
  expiredCert = readFileSync(join(dir, 'expired.pem'), 'utf8');
  expiredKey = readFileSync(join(dir, 'expired-key.pem'), 'utf8');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-safe-fetch-'));
  makeCertificates();
  png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c00' } }).png().toBuffer();
  bomb = gzipSync(Buffer.alloc(10_000_000));
  brotliBomb = brotliCompressSync(Buffer.alloc(10_000_000));

  const main = http.createServer(app);
  main.on('connection', () => appConnections++);
  port = await listen(main, '127.0.0.1');
  // The traps stand for internal services: same port, other loopback addresses. They must never see a connection.
  for (const host of ['127.0.0.2', '::1']) {
    const trap = http.createServer((_req, res) => res.end('internal secret'));
    trap.on('connection', () => trapConnections++);
    await listen(trap, host, port);
  }
  httpsPort = await listen(https.createServer({ key, cert }, app), '127.0.0.1');
  expiredPort = await listen(https.createServer({ key: expiredKey, cert: expiredCert }, app), '127.0.0.1');
  slowPort = await listen(slowServer(), '127.0.0.1');
  proxy = await startSocks5Server({
    [`${ONION}:80`]: { host: '127.0.0.1', port },
    [`${ONION}:443`]: { host: '127.0.0.1', port: httpsPort },
    [`public.test:${port}`]: { host: '127.0.0.1', port },
  });
});

afterAll(async () => {
  await proxy?.close();
  for (const server of servers) {
    if (server instanceof http.Server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Test names, standing in for public DNS so no test needs the internet. */
function namesResolver(names: Record<string, string>, calls: string[] = []): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    calls.push(host);
    const address = names[host];
    if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address, family: net.isIP(address) }];
  };
}

const publicNames = { 'public.test': '127.0.0.1', 'wrong-name.test': '127.0.0.1' };

/** The test fetcher: loopback 127.0.0.1 opted in explicitly, the policy otherwise untouched. */
function loopbackFetcher(options: SafeFetcherOptions = {}) {
  return createSafeFetcher({ allow: LOOPBACK_ONLY, resolver: namesResolver(publicNames), ...options });
}

async function fetchError(promise: Promise<unknown>, code: FetchErrorCode): Promise<FetchError> {
  const error = await promise.then(
    (result) => new Error(`expected ${code}, got a result: ${JSON.stringify(result).slice(0, 200)}`),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(FetchError);
  expect((error as FetchError).code, (error as Error).message).toBe(code);
  return error as FetchError;
}

describe('SSRF bypasses, without any allowlist', () => {
  const fetcher = () =>
    createSafeFetcher({
      resolver: async (host) => {
        // 127.0.0.1.nip.io is public DNS that answers 127.0.0.1; everything else goes to the system resolver.
        if (host === '127.0.0.1.nip.io') return [{ address: '127.0.0.1', family: 4 }];
        const { lookup } = await import('node:dns/promises');
        return lookup(host, { all: true });
      },
    });

  const bypasses: [url: () => string, code: FetchErrorCode][] = [
    [() => `http://127.0.0.1:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://localhost:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://2130706433:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://0177.0.0.1:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://017700000001:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://0x7f.0.0.1:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://0x7f000001:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://0x7f.1:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://127.1:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://127.0.0.1.:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://%31%32%37.0.0.1:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://ｌｏｃａｌｈｏｓｔ:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://0:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://0.0.0.0:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[::]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[::1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[0:0:0:0:0:0:0:1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[::ffff:127.0.0.1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[::ffff:7f00:1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[::127.0.0.1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[64:ff9b::7f00:1]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://[2002:7f00:1::]:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => `http://127.0.0.1.nip.io:${port}/ok`, 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://169.254.169.254/latest/meta-data/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://2852039166/latest/meta-data/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://[::ffff:a9fe:a9fe]/latest/meta-data/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://[fd00::1]/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://[fe80::1]/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://10.0.0.1/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://192.168.1.1/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://172.16.0.1/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://100.64.0.1/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://224.0.0.1/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://255.255.255.255/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'https://127.0.0.1/', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    [() => 'http://[fe80::1%25eth0]/', 'VIGIL_FETCH_BAD_URL'],
    [() => `http://user:pass@127.0.0.1:${port}/ok`, 'VIGIL_FETCH_BAD_URL'],
    [() => 'http://user:pass@example.com/', 'VIGIL_FETCH_BAD_URL'],
    [() => `http://1.1.1.1 &@127.0.0.1:${port}/ok`, 'VIGIL_FETCH_BAD_URL'],
    [() => 'http://1.2.3.09/', 'VIGIL_FETCH_BAD_URL'],
    [() => 'file:///etc/passwd', 'VIGIL_FETCH_UNSUPPORTED_SCHEME'],
    [() => `gopher://127.0.0.1:${port}/_GET%20/ok`, 'VIGIL_FETCH_UNSUPPORTED_SCHEME'],
    [() => 'ftp://127.0.0.1/', 'VIGIL_FETCH_UNSUPPORTED_SCHEME'],
    [() => 'dict://127.0.0.1:11211/stats', 'VIGIL_FETCH_UNSUPPORTED_SCHEME'],
    [() => 'data:text/html,<script>1</script>', 'VIGIL_FETCH_UNSUPPORTED_SCHEME'],
    [() => 'not a url', 'VIGIL_FETCH_BAD_URL'],
  ];

  it(`has at least 20 cases (${bypasses.length})`, () => {
    expect(bypasses.length).toBeGreaterThanOrEqual(20);
  });

  it.each(bypasses.map(([url, code], i) => [i, url, code] as const))('bypass #%i is refused', async (_i, url, code) => {
    const before = appConnections;
    const error = await fetchError(fetcher().fetch(url()), code);
    expect(error.message.length).toBeGreaterThan(20);
    expect(appConnections).toBe(before);
  });

  it('names the host, the address and the reason', async () => {
    const error = await fetchError(fetcher().fetch(`http://127.0.0.1.nip.io:${port}/ok`), 'VIGIL_FETCH_FORBIDDEN_ADDRESS');
    expect(error.message).toContain('127.0.0.1.nip.io resolves to 127.0.0.1');
    expect(error.message).toContain('loopback');
  });

  it('keeps everything but 127.0.0.1 forbidden when the test allowlist is on', async () => {
    for (const url of [`http://127.0.0.2:${port}/`, `http://[::1]:${port}/`, `http://0.0.0.0:${port}/`, 'http://10.0.0.1/']) {
      await fetchError(loopbackFetcher().fetch(url), 'VIGIL_FETCH_FORBIDDEN_ADDRESS');
    }
    expect(trapConnections).toBe(0);
  });
});

describe('redirects', () => {
  it('records the chain, the resolved IP, headers and timings', async () => {
    const result = await loopbackFetcher({ clock: { now: () => 1_700_000_000_000 } }).fetch(`http://public.test:${port}/redirect/2`);
    expect(result.status).toBe(200);
    expect(result.url).toBe(`http://public.test:${port}/redirect/2`);
    expect(result.finalUrl).toBe(`http://public.test:${port}/redirect/0`);
    expect(result.redirects).toEqual([
      { url: `http://public.test:${port}/redirect/2`, status: 302, location: '/redirect/1', resolvedIp: '127.0.0.1' },
      { url: `http://public.test:${port}/redirect/1`, status: 302, location: '/redirect/0', resolvedIp: '127.0.0.1' },
    ]);
    expect(result.resolvedIp).toBe('127.0.0.1');
    expect(result.body.toString()).toBe('done');
    expect(result.fetcherVersion).toBe(FETCHER_VERSION);
    expect(result.via).toBe('direct');
    expect(result.tlsCertificate).toBeNull();
    expect(result.truncated).toBe(false);
    expect(result.timings.startedAt).toBe(1_700_000_000_000);
    expect(result.timings.dnsMs).toBeGreaterThanOrEqual(0);
    for (const ms of [result.timings.connectMs, result.timings.ttfbMs, result.timings.totalMs]) {
      expect(ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('keeps response headers in order and case, repeated ones repeated', async () => {
    const result = await loopbackFetcher().fetch(`http://127.0.0.1:${port}/ok`);
    expect(result.headers.slice(0, 4)).toEqual([
      ['Content-Type', 'text/html; charset=utf-8'],
      ['X-Test', 'one'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect(result.timings.dnsMs).toBeNull();
    expect(result.declaredType).toBe('text/html');
    expect(result.sniffedType).toBe('text/html');
  });

  it(`follows ${FETCH_MAX_REDIRECTS} redirects and refuses the ${FETCH_MAX_REDIRECTS + 1}th`, async () => {
    const ok = await loopbackFetcher().fetch(`http://127.0.0.1:${port}/redirect/${FETCH_MAX_REDIRECTS}`);
    expect(ok.redirects).toHaveLength(FETCH_MAX_REDIRECTS);
    const error = await fetchError(
      loopbackFetcher().fetch(`http://127.0.0.1:${port}/redirect/${FETCH_MAX_REDIRECTS + 1}`),
      'VIGIL_FETCH_TOO_MANY_REDIRECTS',
    );
    expect(error.message).toContain(`more than ${FETCH_MAX_REDIRECTS} redirects`);
  });

  it('stops a redirect loop', async () => {
    const error = await fetchError(loopbackFetcher().fetch(`http://127.0.0.1:${port}/loop/a`), 'VIGIL_FETCH_TOO_MANY_REDIRECTS');
    expect(error.message).toContain('redirect loop');
  });

  it.each([
    ['/to-trap', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    ['/to-trap6', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    ['/to-metadata', 'VIGIL_FETCH_FORBIDDEN_ADDRESS'],
    ['/to-file', 'VIGIL_FETCH_UNSUPPORTED_SCHEME'],
    ['/to-credentials', 'VIGIL_FETCH_BAD_URL'],
  ] as const)('re-checks the hop: an allowed page redirecting via %s is refused', async (path, code) => {
    const error = await fetchError(loopbackFetcher().fetch(`http://public.test:${port}${path}`), code);
    expect(error.message).toContain(`redirect from http://public.test:${port}${path}`);
    expect(trapConnections).toBe(0);
  });
});

describe('DNS rebinding', () => {
  /** Answers 127.0.0.1 (allowed, standing for a public address) the first time, 127.0.0.2 (forbidden) after. */
  function rebindingResolver(calls: string[]) {
    return async (host: string): Promise<ResolvedAddress[]> => {
      calls.push(host);
      return [{ address: calls.length === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    };
  }

  it('connects to the address it checked, resolving once per hop', async () => {
    const calls: string[] = [];
    const result = await loopbackFetcher({ resolver: rebindingResolver(calls) }).fetch(`http://rebind.test:${port}/ok`);
    expect(result.resolvedIp).toBe('127.0.0.1');
    expect(result.body.toString()).toBe(HTML);
    expect(calls).toEqual(['rebind.test']);
    expect(trapConnections).toBe(0);
  });

  it('refuses the hop where the name rebinds to a forbidden address', async () => {
    const calls: string[] = [];
    const error = await fetchError(
      loopbackFetcher({ resolver: rebindingResolver(calls) }).fetch(`http://rebind.test:${port}/redirect/1`),
      'VIGIL_FETCH_FORBIDDEN_ADDRESS',
    );
    expect(error.message).toContain('rebind.test resolves to 127.0.0.2');
    expect(calls).toEqual(['rebind.test', 'rebind.test']);
    expect(trapConnections).toBe(0);
  });

  it('refuses a name whose answer mixes allowed and forbidden addresses', async () => {
    const mixed = async (): Promise<ResolvedAddress[]> => [
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ];
    await fetchError(loopbackFetcher({ resolver: mixed }).fetch(`http://mixed.test:${port}/ok`), 'VIGIL_FETCH_FORBIDDEN_ADDRESS');
    expect(trapConnections).toBe(0);
  });

  it('reports a name that does not resolve', async () => {
    const error = await fetchError(loopbackFetcher().fetch(`http://unknown.test:${port}/ok`), 'VIGIL_FETCH_DNS');
    expect(error.message).toContain('unknown.test');
  });
});

describe('limits', () => {
  it.each(['/big-length', '/big-chunked'])('refuses a body over the byte limit (%s)', async (path) => {
    const error = await fetchError(loopbackFetcher({ limits: SMALL }).fetch(`http://127.0.0.1:${port}${path}`), 'VIGIL_FETCH_TOO_LARGE');
    expect(error.message).toContain('1000-byte limit');
  });

  it.each(['/gzip-bomb', '/br-bomb'])('stops a decompression bomb at the size limit (%s)', async (path) => {
    const error = await fetchError(
      loopbackFetcher({ limits: { maxDecompressedBytes: 1024 * 1024 } }).fetch(`http://127.0.0.1:${port}${path}`),
      'VIGIL_FETCH_DECOMPRESSION_BOMB',
    );
    expect(error.message).toContain('1048576-byte limit');
  });

  it('stops a decompression bomb at the ratio limit', async () => {
    const error = await fetchError(
      loopbackFetcher({ limits: { maxCompressionRatio: 100 } }).fetch(`http://127.0.0.1:${port}/gzip-bomb`),
      'VIGIL_FETCH_DECOMPRESSION_BOMB',
    );
    expect(error.message).toContain('100:1');
  });

  it('stops a slowloris body at the idle limit', async () => {
    const error = await fetchError(loopbackFetcher({ limits: SMALL }).fetch(`http://127.0.0.1:${slowPort}/slow`), 'VIGIL_FETCH_TIMEOUT');
    expect(error.message).toContain('idle');
  });

  it('stops a body that drips forever at the total limit', async () => {
    const error = await fetchError(
      loopbackFetcher({ limits: { idleTimeoutMs: 500, timeoutMs: 1500 } }).fetch(`http://127.0.0.1:${slowPort}/drip`),
      'VIGIL_FETCH_TIMEOUT',
    );
    expect(error.message).toContain('total');
  });

  it('stops a server that never sends headers', async () => {
    const error = await fetchError(loopbackFetcher({ limits: SMALL }).fetch(`http://127.0.0.1:${port}/no-headers`), 'VIGIL_FETCH_TIMEOUT');
    expect(error.message).toContain('no response headers');
  });

  it("hands back the caller's own abort reason", async () => {
    const reason = new Error('operator cancelled');
    const controller = new AbortController();
    const pending = loopbackFetcher().fetch(`http://127.0.0.1:${slowPort}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
  });

  it('reports a refused connection', async () => {
    const closed = net.createServer();
    const closedPort = await listen(closed, '127.0.0.1');
    await new Promise((resolve) => closed.close(resolve));
    servers.splice(servers.indexOf(closed), 1);
    const error = await fetchError(loopbackFetcher().fetch(`http://127.0.0.1:${closedPort}/`), 'VIGIL_FETCH_CONNECTION');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('bodies and types', () => {
  it.each(['/gzip', '/br', '/deflate', '/deflate-raw'])('stores the decoded body of %s and records the encoding', async (path) => {
    const result = await loopbackFetcher().fetch(`http://127.0.0.1:${port}${path}`);
    expect(result.body.toString()).toBe(HTML);
    expect(result.decoded).toBe(true);
    expect(result.contentEncoding).toBe(path === '/gzip' ? 'gzip' : path === '/br' ? 'br' : 'deflate');
  });

  it.each([
    ['/bad-gzip', 'this is not gzip', 'gzip'],
    ['/zstd-claimed', 'opaque bytes', 'zstd'],
  ])('keeps the bytes as received when %s cannot be decoded', async (path, body, encoding) => {
    const result = await loopbackFetcher().fetch(`http://127.0.0.1:${port}${path}`);
    expect(result.body.toString()).toBe(body);
    expect(result.decoded).toBe(false);
    expect(result.contentEncoding).toBe(encoding);
  });

  it('sniffs PNG bytes served as text/html', async () => {
    const result = await loopbackFetcher().fetch(`http://127.0.0.1:${port}/png-as-html`);
    expect(result.declaredType).toBe('text/html');
    expect(result.sniffedType).toBe('image/png');
    expect(result.body.equals(png)).toBe(true);
  });

  it('sniffs HTML in a legacy charset served as octet-stream', async () => {
    const result = await loopbackFetcher().fetch(`http://127.0.0.1:${port}/arabic-legacy`);
    expect(result.declaredType).toBe('application/octet-stream');
    expect(result.sniffedType).toBe('text/html');
  });

  it('sniffs JSON served as text/plain', async () => {
    const result = await loopbackFetcher().fetch(`http://127.0.0.1:${port}/json-as-text`);
    expect(result.declaredType).toBe('text/plain');
    expect(result.sniffedType).toBe('application/json');
  });
});

describe('TLS', () => {
  it('records the certificate of a server whose CA is trusted', async () => {
    const result = await loopbackFetcher({ ca: [cert] }).fetch(`https://127.0.0.1:${httpsPort}/ok`);
    expect(result.status).toBe(200);
    const x509 = new X509Certificate(cert);
    expect(result.tlsCertificate).toEqual({
      subject: 'CN=localhost',
      issuer: 'CN=localhost',
      validFrom: x509.validFromDate.toISOString(),
      validTo: x509.validToDate.toISOString(),
      fingerprint256: `sha256:${x509.fingerprint256.replaceAll(':', '').toLowerCase()}`,
      serialNumber: x509.serialNumber.toLowerCase(),
    });
  });

  it('refuses a self-signed certificate', async () => {
    const error = await fetchError(loopbackFetcher().fetch(`https://127.0.0.1:${httpsPort}/ok`), 'VIGIL_FETCH_TLS');
    expect(error.message).toContain('self-signed');
  });

  it('refuses a certificate for another name', async () => {
    const error = await fetchError(loopbackFetcher({ ca: [cert] }).fetch(`https://wrong-name.test:${httpsPort}/ok`), 'VIGIL_FETCH_TLS');
    expect(error.message).toContain('hostname mismatch');
  });

  it('refuses an expired certificate', async () => {
    const error = await fetchError(loopbackFetcher({ ca: [expiredCert] }).fetch(`https://127.0.0.1:${expiredPort}/ok`), 'VIGIL_FETCH_TLS');
    expect(error.message).toContain('expired');
  });

  it('reports a server that does not speak TLS', async () => {
    const error = await fetchError(loopbackFetcher().fetch(`https://127.0.0.1:${port}/ok`), 'VIGIL_FETCH_TLS');
    expect(error.message).toContain('127.0.0.1');
  });
});

describe('.onion and the SOCKS5 proxy', () => {
  function proxied(calls: string[], options: SafeFetcherOptions = {}) {
    // No allowlist: the proxy is operator configuration, and proxied names are never resolved here.
    return createSafeFetcher({ socksProxy: `socks5h://127.0.0.1:${proxy.port}`, resolver: namesResolver({}, calls), ca: [cert], ...options });
  }

  it('fetches a .onion URL through the proxy, handing it the hostname', async () => {
    const calls: string[] = [];
    const before = proxy.requests.length;
    const result = await proxied(calls).fetch(`http://${ONION}/ok`);
    expect(result.body.toString()).toBe(HTML);
    expect(result.via).toBe('socks5');
    expect(result.resolvedIp).toBeNull();
    expect(result.timings.dnsMs).toBeNull();
    expect(proxy.requests.slice(before)).toEqual([{ addressType: 'domain', host: ONION, port: 80 }]);
    expect(calls).toEqual([]);
  });

  it('speaks TLS to a .onion through the proxy', async () => {
    const result = await proxied([]).fetch(`https://${ONION}/ok`);
    expect(result.status).toBe(200);
    expect(result.tlsCertificate?.subject).toBe('CN=localhost');
  });

  it('sends clearnet names through the proxy with proxyAll, unresolved', async () => {
    const calls: string[] = [];
    const before = proxy.requests.length;
    const result = await proxied(calls, { proxyAll: true }).fetch(`http://public.test:${port}/ok`);
    expect(result.via).toBe('socks5');
    expect(proxy.requests.slice(before)).toEqual([{ addressType: 'domain', host: 'public.test', port }]);
    expect(calls).toEqual([]);
  });

  it('still refuses forbidden literals and localhost names before asking the proxy', async () => {
    const before = proxy.requests.length;
    for (const url of [`http://127.0.0.1:${port}/ok`, `http://[::ffff:7f00:1]:${port}/ok`, `http://localhost:${port}/ok`, `http://db.localhost:${port}/`]) {
      await fetchError(proxied([], { proxyAll: true }).fetch(url), 'VIGIL_FETCH_FORBIDDEN_ADDRESS');
    }
    expect(proxy.requests.length).toBe(before);
  });

  it('fetches clearnet directly without proxyAll', async () => {
    const before = proxy.requests.length;
    await fetchError(proxied([]).fetch(`http://127.0.0.1:${port}/ok`), 'VIGIL_FETCH_FORBIDDEN_ADDRESS');
    expect(proxy.requests.length).toBe(before);
  });

  it('refuses .onion without a proxy', async () => {
    const error = await fetchError(loopbackFetcher().fetch(`http://${ONION}/`), 'VIGIL_FETCH_ONION_NEEDS_PROXY');
    expect(error.message).toContain('SOCKS5');
  });

  it('reports what the proxy could not reach', async () => {
    const error = await fetchError(proxied([]).fetch(`http://${'b'.repeat(56)}.onion/`), 'VIGIL_FETCH_PROXY');
    expect(error.message).toContain(`${'b'.repeat(56)}.onion:80`);
  });

  it('reports a proxy that is down', async () => {
    const down = net.createServer();
    const downPort = await listen(down, '127.0.0.1');
    await new Promise((resolve) => down.close(resolve));
    servers.splice(servers.indexOf(down), 1);
    const fetcher = createSafeFetcher({ socksProxy: `socks5h://127.0.0.1:${downPort}` });
    const error = await fetchError(fetcher.fetch(`http://${ONION}/`), 'VIGIL_FETCH_PROXY');
    expect(error.message).toContain(`127.0.0.1:${downPort}`);
  });

  it('accepts only socks5h:// proxies', () => {
    expect(() => createSafeFetcher({ socksProxy: 'socks5://127.0.0.1:9050' })).toThrow(/socks5h/);
    expect(() => createSafeFetcher({ socksProxy: 'http://127.0.0.1:8080' })).toThrow(FetchError);
  });
});
