/**
 * HMA-compatible lookup under load: POST /m/lookup with a photo upload (multipart, a synthetic
 * sharp-made PNG, hashed with PDQ on every request) and, as its peer, GET /m/lookup with the PDQ
 * hash alone, against a bank of 100,000 PDQ entries. Starts the real server (`bin/vigil serve`)
 * on SQLite, seeds the bank through the API (bulk entries) and drives both routes with autocannon.
 *
 *   node bench/hma-lookup.ts [--seconds 10] [--connections 20] [--entries 100000]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { hashImagePdq } from '../src/adapters/media/image-decode.ts';
import { pdqToHex } from '../src/algorithms/pdq/pdq.ts';
import { BANK_BULK_MAX, BANK_CHANGE_SETTLE_MS } from '../src/domains/bank/bank.model.ts';
import { freePort, VIGIL_BIN, vigilCli, waitReady } from './bench-server.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' }, entries: { type: 'string', default: '100000' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ENTRIES = Number(values.entries);

/** Deterministic random PDQ hashes (xorshift32), so runs are comparable. */
function randomHashes(n: number, seed = 0x9e3779b9): string[] {
  let x = seed >>> 0;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  return Array.from({ length: n }, () => Array.from({ length: 8 }, () => next().toString(16).padStart(8, '0')).join(''));
}

/** A textured synthetic 512×512 photo (PDQ quality well above 50). */
async function syntheticPhoto(): Promise<Buffer> {
  const size = 512;
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const v = Math.max(0, Math.min(255, Math.round(110 + 60 * Math.sin(x / 17) + 50 * Math.cos(y / 23) + (((x >> 5) + (y >> 6)) % 3) * 25)));
      raw[i] = v;
      raw[i + 1] = (v * 3) % 256;
      raw[i + 2] = 255 - v;
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function load(label: string, opts: autocannon.Options) {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, timeout: 60, ...opts });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${label}: ${r.non2xx} non-2xx responses, ${r.errors} errors (${r.timeouts} timeouts)`);
  // Requests still queued in the server when the run stops would slow the next run down.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { request: label, reqPerSec: Math.round(r.requests.average), p50ms: r.latency.p50, p99ms: r.latency.p99 };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-hma-'));
const port = await freePort();
const env = { ...process.env, VIGIL_DATA_DIR: dir, VIGIL_PORT: String(port), VIGIL_API_RATE_PER_MINUTE: '0', VIGIL_LOG_LEVEL: 'warn' };
vigilCli(env, ['setup', '--json']);
const agency = JSON.parse(vigilCli(env, ['agency', 'create', '--name', 'Bench platform', '--kind', 'provider', '--json'])).id as string;
vigilCli(env, ['user', 'create', '--agency', agency, '--email', 'hma@bench.test', '--roles', 'analyst', '--password-stdin'], 'bench password 123\n');
const token = JSON.parse(vigilCli(env, ['token', 'create', '--user', 'hma@bench.test', '--name', 'hma client', '--scopes', 'bank.read,bank.manage', '--json'])).secret as string;
const server: ChildProcess = spawn(VIGIL_BIN, ['serve'], { env, stdio: 'ignore' });
const url = `http://127.0.0.1:${port}`;
try {
  await waitReady(url);
  const photo = await syntheticPhoto();
  const photoPdq = pdqToHex((await hashImagePdq(photo)).hash);
  await api(url, token, 'POST', '/c/banks', { name: 'BENCH_BANK' });
  const { banks } = (await api(url, token, 'GET', '/api/v1/banks')) as { banks: { id: string; name: string }[] };
  const bankId = banks.find((b) => b.name === 'BENCH_BANK')!.id;
  const hashes = [photoPdq, ...randomHashes(ENTRIES - 1)];
  const seedStart = performance.now();
  for (let i = 0; i < hashes.length; i += BANK_BULK_MAX) {
    await api(url, token, 'POST', `/api/v1/banks/${bankId}/entries/bulk`, { entries: hashes.slice(i, i + BANK_BULK_MAX).map((h) => ({ value: `pdq:${h}` })) });
  }
  const seedS = (performance.now() - seedStart) / 1000;
  // The index re-reads the change log's last BANK_CHANGE_SETTLE_MS on every sync (match-index.ts),
  // so right after a bulk load each lookup also re-reads that load: measure the steady state.
  await new Promise((resolve) => setTimeout(resolve, BANK_CHANGE_SETTLE_MS + 5000));
  const getPath = `/m/lookup?signal_type=pdq&signal=${photoPdq}`;
  const check = (await api(url, token, 'GET', getPath)) as Record<string, unknown[]>;
  if (!check.BENCH_BANK?.length) throw new Error(`the photo's hash does not match: ${JSON.stringify(check)}`);

  const boundary = '----vigil-bench-boundary';
  const form = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), photo, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const first = await fetch(`${url}/m/lookup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: form });
  const firstBody = (await first.json()) as { pdq?: Record<string, unknown[]> };
  if (!firstBody.pdq?.BENCH_BANK?.length) throw new Error(`the photo upload does not match: ${JSON.stringify(firstBody)}`);

  const auth = { authorization: `Bearer ${token}` };
  const rows = [
    await load('GET /m/lookup?signal_type=pdq&signal=…', { url: `${url}${getPath}`, headers: auth }),
    await load('POST /m/lookup (photo upload, 512x512 JPEG)', { url: `${url}/m/lookup`, method: 'POST', headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: form }),
  ];
  console.log(`HMA-compatible lookup against ${ENTRIES.toLocaleString('en')} PDQ entries (seeded in ${seedS.toFixed(1)} s, measured once the change log settled), SQLite, ${CONNECTIONS} connections, ${SECONDS} s per request; ${cpus().length} × ${cpus()[0]?.model}`);
  console.table(rows);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
