/**
 * Approve-to-dispatched latency of TCO removal orders: N orders (default 100) approved at once,
 * each issued (signed JSON + PDF stored as blobs) and dispatched; "dispatched" is when the real
 * webhook receiver on loopback has the order's signed message. The platform runs in this process
 * on SQLite (the embedded default) with the job worker at the default settings of `vigil serve`
 * (VIGIL_WORKER_CONCURRENCY, 500 ms poll); items, decisions and proposals are set up first and
 * are not timed. Goal: p99 under 2 s.
 *
 *   node bench/order-dispatch.ts [--orders 100]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/adapters/db/database.ts';
import { migrateToLatest } from '../src/adapters/db/migrator.ts';
import { JobWorker } from '../src/adapters/queue/job-worker.ts';
import { argon2PasswordHasher } from '../src/adapters/crypto/argon2-password-hasher.ts';
import { systemClock } from '../src/adapters/system/system-clock.ts';
import { uuidIds } from '../src/adapters/system/uuid-ids.ts';
import { loadConfig } from '../src/app/config.ts';
import { buildJobRegistry } from '../src/app/jobs.ts';
import { createPlatform } from '../src/app/platform.ts';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '100' } } });
const ORDERS = Number(values.orders);

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-orders-'));
const received = new Map<string, number>();
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now();
    const orderId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { subjectId: string }).subjectId;
    if (!received.has(orderId)) received.set(orderId, at);
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const config = loadConfig({ VIGIL_DATA_DIR: dir, VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_LOG_LEVEL: 'warn', VIGIL_REVIEW_UNDO_SECONDS: '0' });
const handle = openDatabase(config.databaseUrl);
await migrateToLatest(handle.db, handle.dialect);
const platform = createPlatform({ db: handle.db, dialect: handle.dialect, config, clock: systemClock, ids: uuidIds, hasher: argon2PasswordHasher, blobRoot: join(dir, 'blobs') });
const jobs = buildJobRegistry(platform);
const worker = new JobWorker({ queue: platform.queue, registry: jobs.registry, clock: platform.clock, concurrency: config.workerConcurrency });

try {
  const sys = platform.systemScope('bench', null);
  const authority = await sys.agencies().create({ name: 'Bench IRU', kind: 'authority', operator: false });
  const user = (roles: ('reviewer' | 'approver' | 'analyst')[], email: string) => sys.usersOf(authority.id).create({ email, displayName: email, password: 'bench password 123', roles });
  const reviewer = await user(['reviewer', 'analyst'], 'reviewer@bench.test');
  const approver = await user(['approver'], 'approver@bench.test');
  const as = (userId: string) => platform.agencyServices(authority.id, { agencyId: authority.id, userId, actor: `user:${userId}`, clientIp: null, requestId: null });
  await as(reviewer.id).providers().create({ name: 'Bench Host', domainPatterns: ['bench-host.example'], webhookUrl: hook, mainEstablishment: 'IE' });
  // An emergency order needs no Art. 3(2) notice; every order here is one, so nothing waits 12 hours.
  const sections = {
    authority: { type: 'law_enforcement' as const, name: 'Bench unit', representative: 'Officer', fileNumber: 'F-1', address: '1 Bench Street', telephone: '+1 555 0100', email: 'unit@bench.example' },
    followUpContact: { name: 'Desk', email: 'desk@bench.example', telephone: null },
    redress: { body: 'Court', deadline: 'one month', lawReference: 'Bench Act' },
    emergency: { declared: true, reason: 'benchmark' },
  };
  const orderIds: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const svc = as(reviewer.id);
    const { item } = await svc.intake().submitUrl(`https://bench-host.example/post/${i}`, 'api');
    const { caseId } = await svc.review().assignItem(item.id);
    await svc.review().decide(caseId, { verdict: 'terrorist_content', grounds: ['a'], reasons: 'benchmark' });
    orderIds.push((await svc.orders().propose({ itemIds: [item.id], referenceNumber: `BENCH-${i}`, issuingState: 'IE', ...sections })).order.id);
  }
  // The captures of the synthetic URLs are not what is measured.
  await handle.db.updateTable('job').set({ state: 'cancelled' }).where('name', '=', 'capture.fetch').execute();
  worker.start();

  const started = new Map<string, number>();
  const t0 = performance.now();
  await Promise.all(
    orderIds.map(async (id) => {
      started.set(id, performance.now());
      await as(approver.id).orders().approve(id, null);
    }),
  );
  const approvedAll = performance.now() - t0;
  while (received.size < ORDERS) {
    if (performance.now() - t0 > 120_000) throw new Error(`only ${received.size} of ${ORDERS} webhooks arrived in 120 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const latencies = orderIds.map((id) => received.get(id)! - started.get(id)!).sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);
  console.log(
    JSON.stringify(
      { orders: ORDERS, database: 'sqlite', workerConcurrency: config.workerConcurrency, approveToDispatchedMs: { p50: pct(50), p99: pct(99), max: Math.round(latencies.at(-1)!) }, allApprovedInMs: Math.round(approvedAll), allDispatchedInMs: Math.round(Math.max(...received.values()) - t0) },
      null,
      2,
    ),
  );
} finally {
  await worker.stop();
  await jobs.close();
  await handle.close();
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
