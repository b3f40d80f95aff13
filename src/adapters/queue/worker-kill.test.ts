/**
 * Real worker processes against a real database: one is killed mid-job with SIGKILL, and the job
 * must still be finished exactly once, by another worker, once the dead worker's lease runs out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/databases.ts';
import { testIds } from '../../../test/fakes.ts';
import type { QueueWorkerPayloads } from '../../../test/fixtures/queue-worker.ts';
import { systemClock } from '../system/system-clock.ts';
import { JobQueue } from './job-queue.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = 'test/fixtures/queue-worker.ts';

class WorkerProcess {
  readonly owner: string;
  readonly lines: string[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(url: string, owner: string, gateFile: string) {
    this.owner = owner;
    this.#child = spawn(process.execPath, [FIXTURE, url, owner, gateFile], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.lines.push(line));
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Waits for a stdout line; fails early, with the worker's stderr, if the process has exited. */
  async waitForLine(pattern: RegExp, timeout = 20_000): Promise<RegExpMatchArray> {
    return vi.waitFor(
      () => {
        for (const line of this.lines) {
          const match = line.match(pattern);
          if (match) return match;
        }
        const state = this.running ? 'still running' : 'exited';
        throw new Error(`${this.owner} (${state}) printed no line matching ${pattern}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
      },
      { timeout, interval: 20 },
    );
  }

  matching(pattern: RegExp): RegExpMatchArray[] {
    return this.lines.map((line) => line.match(pattern)).filter((m): m is RegExpMatchArray => m !== null);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }
}

interface SideEffectRow {
  job_id: string;
  n: number;
}

async function sideEffects(d: TestDatabase): Promise<SideEffectRow[]> {
  const { rows } = await sql<SideEffectRow>`select job_id, n from test_side_effect order by job_id`.execute(d.db);
  return rows.map((r) => ({ job_id: r.job_id, n: Number(r.n) }));
}

function harness(dialect: 'sqlite' | 'postgres') {
  const state = {} as { d: TestDatabase; dir: string; queue: JobQueue<QueueWorkerPayloads>; workers: WorkerProcess[] };

  beforeEach(async () => {
    state.d = await createTestDatabase(dialect);
    await sql`create table test_side_effect (job_id text primary key, n integer not null)`.execute(state.d.db);
    state.dir = mkdtempSync(join(tmpdir(), 'vigil-worker-kill-'));
    state.queue = new JobQueue<QueueWorkerPayloads>({ db: state.d.db, dialect, clock: systemClock, ids: testIds });
    state.workers = [];
  });
  afterEach(async () => {
    for (const w of state.workers) w.kill('SIGKILL');
    await Promise.all(state.workers.map((w) => w.exited));
    await state.d.drop();
    rmSync(state.dir, { recursive: true, force: true });
  });

  return {
    state,
    start(owner: string, gateFile: string): WorkerProcess {
      const worker = new WorkerProcess(state.d.url, owner, gateFile);
      state.workers.push(worker);
      return worker;
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('a worker process killed mid-job on %s', (dialect) => {
  const { state, start } = harness(dialect);

  it('leaves the job to another worker, which completes it exactly once', async () => {
    const job = await state.queue.enqueue('test.side-effect', {});
    const gateFile = join(state.dir, 'proceed');

    const first = start('worker-a', gateFile);
    const [, claimedId, attempt] = await first.waitForLine(/^claimed (\S+) (\d+)$/);
    expect([claimedId, attempt]).toEqual([job.id, '1']);
    first.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(await state.queue.get(job.id, null)).toMatchObject({ state: 'running', leaseOwner: 'worker-a', attempts: 1 });
    expect(await sideEffects(state.d)).toEqual([]);

    writeFileSync(gateFile, '');
    const second = start('worker-b', gateFile);
    await second.waitForLine(new RegExp(`^done ${job.id}$`));

    expect(second.matching(/^claimed (\S+) (\d+)$/).map((m) => [m[1], m[2]])).toEqual([[job.id, '2']]);
    expect(await state.queue.get(job.id, null)).toMatchObject({
      state: 'done',
      attempts: 2,
      leaseOwner: 'worker-b',
      lastError: 'Lease of worker-a expired before the job finished',
    });
    expect(await sideEffects(state.d)).toEqual([{ job_id: job.id, n: 1 }]);
    expect((await sql<{ c: number }>`select count(*) as c from test_side_effect`.execute(state.d.db)).rows.map((r) => Number(r.c))).toEqual([1]);

    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('three worker processes on postgres', () => {
  const { state, start } = harness('postgres');

  it('drain 30 jobs side by side, each side effect counted exactly once', async () => {
    const jobs = [];
    for (let i = 0; i < 30; i++) jobs.push(await state.queue.enqueue('test.side-effect', {}));
    const gateFile = join(state.dir, 'proceed');

    const workers = ['worker-1', 'worker-2', 'worker-3'].map((owner) => start(owner, gateFile));
    // Each worker runs one job at a time and holds it at the gate, so three claims from three
    // processes at once show SKIP LOCKED handing each a different job.
    const firstClaims = await Promise.all(workers.map((w) => w.waitForLine(/^claimed (\S+) \d+$/)));
    expect(new Set(firstClaims.map((m) => m[1])).size).toBe(3);
    writeFileSync(gateFile, '');

    await vi.waitFor(async () => expect((await state.queue.counts(null)).done).toBe(30), { timeout: 30_000, interval: 50 });

    const effects = await sideEffects(state.d);
    expect(effects.map((e) => e.job_id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(effects.every((e) => e.n === 1)).toBe(true);
    const doneLines = workers.flatMap((w) => w.matching(/^done (\S+)$/).map((m) => m[1]));
    expect(doneLines).toHaveLength(30);
    expect(new Set(doneLines).size).toBe(30);

    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
  }, 60_000);
});
