/**
 * Captures per second through the real capture service (fetch → body blob → WARC → WARC blob →
 * page extraction → text blob → capture row → custody events), on SQLite and on PostgreSQL, one
 * and four captures at a time. A loopback HTTP server serves distinct synthetic 50 KB HTML pages;
 * screenshots are off (they are their own job). Items are taken in before the clock starts.
 *
 *   node bench/captures-per-second.ts [--items 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/databases.ts';
import { argon2PasswordHasher } from '../src/adapters/crypto/argon2-password-hasher.ts';
import type { Dialect } from '../src/adapters/db/database.ts';
import { systemClock } from '../src/adapters/system/system-clock.ts';
import { uuidIds } from '../src/adapters/system/uuid-ids.ts';
import { loadConfig } from '../src/app/config.ts';
import { createPlatform } from '../src/app/platform.ts';

const { values } = parseArgs({ options: { items: { type: 'string', default: '300' } } });
const ITEMS = Number(values.items);
const PAGE_BYTES = 50 * 1024;

/** A distinct page per path: ~50 KB of paragraphs, a title, a language, a few links. */
function page(n: number): Buffer {
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Synthetic page ${n}</title></head><body><article><h1>Synthetic page ${n}</h1>`;
  const tail = `<a href="/p/${n + 1}">next</a><a href="/p/${n + 2}">after</a></article></body></html>`;
  const paragraphs: string[] = [];
  let size = head.length + tail.length;
  for (let i = 0; size < PAGE_BYTES; i++) {
    const p = `<p>Synthetic paragraph ${i} of page ${n}, written for a benchmark and carrying no real content at all.</p>`;
    paragraphs.push(p);
    size += p.length;
  }
  return Buffer.from(head + paragraphs.join('') + tail);
}

async function startSite(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const n = Number(/^\/p\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
    if (Number.isNaN(n)) return void res.writeHead(404).end();
    const body = page(n);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function bench(dialect: Dialect, port: number, concurrency: number, offset: number) {
  const db = await createTestDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-capture-'));
  try {
    const config = loadConfig({ VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_FETCH_ALLOW: '127.0.0.1/32', VIGIL_SCREENSHOTS: 'false' });
    const platform = createPlatform({ db: db.db, dialect, config, clock: systemClock, ids: uuidIds, hasher: argon2PasswordHasher, blobRoot: join(dir, 'blobs') });
    const agency = await platform.systemScope('bench', null).agencies().create({ name: 'Bench unit', kind: 'authority' });
    const services = platform.agencyServices(agency.id, { agencyId: agency.id, userId: null, actor: 'bench', clientIp: null, requestId: null });
    const ids: string[] = [];
    for (let i = 0; i < ITEMS; i++) ids.push((await services.intake().submitUrl(`http://127.0.0.1:${port}/p/${offset + i * 3}`, 'api')).item.id);
    const capture = services.capture();
    // Warm-up: first fetch, first WARC, first extraction (module loading, JIT).
    await capture.capture(ids.shift()!);

    let next = 0;
    let failed = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ids.length) {
          const c = await capture.capture(ids[next++]!);
          if (c?.state !== 'ok') failed++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    if (failed) throw new Error(`${failed} captures failed`);
    const events = await db.db.selectFrom('custody_event').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const verified = await services.custody().verify();
    if (!verified.ok) throw new Error(`custody chain does not verify: ${verified.problem}`);
    return { database: dialect, concurrency, captures: ids.length, seconds: Number(seconds.toFixed(2)), capturesPerSecond: Number((ids.length / seconds).toFixed(1)), msBetweenCaptures: Number(((seconds * 1000) / ids.length).toFixed(1)), custodyEvents: Number(events.n) };
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const site = await startSite();
try {
  const rows = [];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const concurrency of [1, 4]) rows.push(await bench(dialect, site.port, concurrency, rows.length * 100_000));
  }
  console.table(rows);
  for (const r of rows) console.log(`${r.database} concurrency ${r.concurrency}: ${r.capturesPerSecond} captures/s (one every ${r.msBetweenCaptures} ms; ${r.captures} pages of ${PAGE_BYTES / 1024} KB)`);
} finally {
  await site.close();
}
