/**
 * Bulk intake through the real `vigil intake bulk` path, on SQLite and on PostgreSQL: 100,000
 * generated lines (platform forms, tracking parameters, ~5% duplicates once normalised, ~1% bad
 * lines) read, normalised, deduplicated against the list and the agency's items, inserted, and a
 * capture job queued for each new item. Wall time of the whole command, process start included.
 * A second pass of the same file measures the all-duplicates path (every URL already held).
 * Goal: under 30 s per 100,000 lines.
 *
 *   node bench/bulk-intake.ts [--lines 100000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/databases.ts';
import type { Dialect } from '../src/adapters/db/database.ts';
import { vigilCli } from './bench-server.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' } } });
const LINES = Number(values.lines);
const GOAL_SECONDS = 30;

/** Synthetic URLs in the forms referral units submit; every 20th repeats an earlier one in another spelling. */
function generate(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 100 === 99) out.push(`not a url ${i}`);
    else if (i % 20 === 19) out.push(`https://t.me/s/Channel_${(i - 1) % 500}/${i - 1}?utm_source=share`);
    else if (i % 20 === 18) out.push(`https://t.me/channel_${i % 500}/${i}`);
    else if (i % 4 === 0) out.push(`https://x.com/user${i % 900}/status/${1_700_000_000_000 + i}?s=20&t=abc`);
    else if (i % 4 === 1) out.push(`https://www.youtube.com/watch?v=v${i.toString(36).padStart(10, '0')}&feature=share`);
    else out.push(`https://site${i % 1000}.example.org/news/2026/${i}?b=2&a=1&fbclid=x${i}`);
  }
  return `${out.join('\n')}\n`;
}

async function bench(dialect: Dialect, file: string) {
  const db = await createTestDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-bulk-'));
  const env = { ...process.env, VIGIL_DATA_DIR: dir, DATABASE_URL: db.url, VIGIL_LOG_LEVEL: 'warn' };
  try {
    vigilCli(env, ['agency', 'create', '--name', 'Bench unit', '--kind', 'authority']);
    const rows = [];
    for (const pass of ['fresh', 'all held'] as const) {
      const t0 = performance.now();
      const report = JSON.parse(vigilCli(env, ['intake', 'bulk', file, '--agency', 'Bench unit', '--json'])) as { accepted: number; duplicate: number; rejected: number };
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ database: dialect, pass, lines: LINES, seconds: Number(seconds.toFixed(1)), linesPerSecond: Math.round(LINES / seconds), accepted: report.accepted, duplicate: report.duplicate, rejected: report.rejected, goal: seconds < GOAL_SECONDS ? 'met' : 'MISSED' });
    }
    const jobs = await db.db.selectFrom('job').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    if (Number(jobs.n) !== rows[0]!.accepted) throw new Error(`expected ${rows[0]!.accepted} capture jobs, found ${jobs.n}`);
    return rows;
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-list-'));
const file = join(dir, 'list.txt');
writeFileSync(file, generate(LINES));
try {
  const rows = [...(await bench('sqlite', file)), ...(await bench('postgres', file))];
  console.table(rows);
  for (const r of rows) console.log(`${r.database} ${r.pass}: ${r.lines} lines in ${r.seconds} s (${r.linesPerSecond} lines/s; goal < ${GOAL_SECONDS} s ${r.goal})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
