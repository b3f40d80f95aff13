/**
 * Authenticated API throughput on SQLite and on PostgreSQL, in one run so the two are comparable.
 * Starts the real server (`bin/vigil serve`) for each database, creates a user and an API token with
 * the CLI, and drives GET /api/v1/auth/me and GET /api/v1/users with autocannon.
 *
 *   node bench/api-throughput.ts [--seconds 10] [--connections 20]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseArgs } from 'node:util';
import { freePort, VIGIL_BIN, vigilCli, waitReady } from './bench-server.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const PG_URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function run(url: string, path: string, token: string) {
  const r = await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${token}` } });
  if (r.non2xx > 0) throw new Error(`${r.non2xx} non-2xx responses on ${path}`);
  return { path, reqPerSec: Math.round(r.requests.average), p50ms: r.latency.p50, p99ms: r.latency.p99 };
}

async function bench(label: string, databaseUrl: string | null): Promise<object[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const port = await freePort();
  const env = {
    ...process.env,
    VIGIL_DATA_DIR: dir,
    VIGIL_PORT: String(port),
    VIGIL_API_RATE_PER_MINUTE: '0',
    VIGIL_LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  vigilCli(env, ['setup', '--json']);
  const agency = JSON.parse(vigilCli(env, ['agency', 'create', '--name', 'Bench unit', '--kind', 'authority', '--json'])).id as string;
  for (let i = 0; i < 20; i++) vigilCli(env, ['user', 'create', '--agency', agency, '--email', `u${i}@bench.test`, '--roles', i === 0 ? 'admin' : 'analyst', '--password-stdin'], 'bench password 123\n');
  const token = JSON.parse(vigilCli(env, ['token', 'create', '--user', 'u0@bench.test', '--name', 'bench', '--scopes', 'agency.read,user.read', '--json'])).secret as string;
  const server: ChildProcess = spawn(VIGIL_BIN, ['serve'], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url);
    await run(url, '/api/v1/auth/me', token).catch(() => undefined);
    const rows = [await run(url, '/api/v1/auth/me', token), await run(url, '/api/v1/users', token)];
    return rows.map((r) => ({ database: label, ...r }));
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const schema = `bench_${Date.now()}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`create schema ${schema}`);
try {
  const results = [
    ...(await bench('sqlite', null)),
    ...(await bench('postgres', `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`)),
  ];
  console.log(`API throughput, ${CONNECTIONS} connections, ${SECONDS} s per route, bearer token auth; ${cpus().length} × ${cpus()[0]?.model}`);
  console.table(results);
} finally {
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
}
