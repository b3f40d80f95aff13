import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/databases.ts';
import { FakeClock, testIds } from '../../../test/fakes.ts';
import { JOB_DEFAULT_MAX_ATTEMPTS, retryDelayMs } from '../../domains/jobs/job.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { JobQueue, LeaseLostError } from './job-queue.ts';
import { createJobRegistry } from './job-registry.ts';
import { JobWorker } from './job-worker.ts';
import type { JobContext, JobOutcome, JobPayloads } from './job-types.ts';

type TestPayloads = JobPayloads & { 'test.echo': { text: string }; 'test.other': Record<string, never> };

async function addAgency(d: TestDatabase, name: string, createdAt: number): Promise<string> {
  const agencyId = testIds.next();
  await d.db.insertInto('agency').values({ agency_id: agencyId, name, kind: 'authority', operator: 0, created_at: createdAt }).execute();
  return agencyId;
}

async function agencyNames(d: TestDatabase): Promise<string[]> {
  return (await d.db.selectFrom('agency').select('name').orderBy('name').execute()).map((r) => r.name);
}

async function vigilCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof VigilError)) throw new Error(`expected a VigilError, got ${String(error)}`);
  return error.code;
}

/** A promise plus the function that settles it, for handlers that wait on the test. */
function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe.each(['sqlite', 'postgres'] as const)('JobQueue on %s', (dialect) => {
  let d: TestDatabase;
  let clock: FakeClock;
  let queue: JobQueue<TestPayloads>;

  beforeEach(async () => {
    d = await createTestDatabase(dialect);
    clock = new FakeClock();
    queue = new JobQueue<TestPayloads>({ db: d.db, dialect, clock, ids: testIds });
  });
  afterEach(async () => d.drop());

  it('enqueues, claims and completes a job', async () => {
    const t0 = clock.now();
    const job = await queue.enqueue('test.echo', { text: 'hi' });
    expect(job).toMatchObject({
      name: 'test.echo',
      state: 'queued',
      payload: { text: 'hi' },
      agencyId: null,
      priority: 0,
      runAt: t0,
      attempts: 0,
      maxAttempts: JOB_DEFAULT_MAX_ATTEMPTS,
      leaseOwner: null,
      createdAt: t0,
    });

    const claimed = await queue.claim('w1', 10_000);
    expect(claimed).toMatchObject({ id: job.id, state: 'running', attempts: 1, leaseOwner: 'w1', leaseExpiresAt: t0 + 10_000 });
    expect(await queue.claim('w2', 10_000)).toBeNull();

    clock.advance(500);
    expect(await queue.complete(job.id, 'w1', 1, { kind: 'done', result: { echoed: 'hi' } })).toBe('done');
    expect(await queue.get(job.id, null)).toMatchObject({
      state: 'done',
      result: { echoed: 'hi' },
      finishedAt: t0 + 500,
      updatedAt: t0 + 500,
      leaseOwner: 'w1',
      leaseExpiresAt: null,
      lastError: null,
    });
    expect(await queue.claim('w2', 10_000)).toBeNull();
  });

  it('records a skipped job as done with its reason', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' });
    await queue.claim('w1', 10_000);
    expect(await queue.complete(job.id, 'w1', 1, { kind: 'skipped', reason: 'item was deleted' })).toBe('done');
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'done', result: { skipped: 'item was deleted' } });
  });

  it('claims higher priority first, then the earliest due', async () => {
    const early = await queue.enqueue('test.echo', { text: 'early' });
    clock.advance(10);
    const urgent = await queue.enqueue('test.echo', { text: 'urgent' }, { priority: 5 });
    const late = await queue.enqueue('test.echo', { text: 'late' });
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await queue.claim('w1', 10_000))?.id);
    expect(order).toEqual([urgent.id, early.id, late.id]);
  });

  it('does not claim a delayed job before its time', async () => {
    const t0 = clock.now();
    const delayed = await queue.enqueue('test.echo', { text: 'later' }, { delayMs: 60_000 });
    const scheduled = await queue.enqueue('test.echo', { text: 'at' }, { runAt: t0 + 120_000 });
    expect(delayed.runAt).toBe(t0 + 60_000);

    clock.advance(59_999);
    expect(await queue.claim('w1', 10_000)).toBeNull();
    clock.advance(1);
    expect((await queue.claim('w1', 10_000))?.id).toBe(delayed.id);
    await queue.complete(delayed.id, 'w1', 1, { kind: 'done' });

    clock.advance(59_999);
    expect(await queue.claim('w1', 10_000)).toBeNull();
    clock.advance(1);
    expect((await queue.claim('w1', 10_000))?.id).toBe(scheduled.id);
  });

  it('rejects contradictory or impossible options', async () => {
    await expect(queue.enqueue('test.echo', { text: 'x' }, { runAt: clock.now(), delayMs: 5 })).rejects.toThrow(/runAt or delayMs, not both/);
    await expect(queue.enqueue('test.echo', { text: 'x' }, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts must be a positive integer/);
    await expect(queue.ensureRecurring('session.purge', 0, {})).rejects.toThrow(/intervalMs must be a positive integer/);
    expect(await queue.list({ agencyId: null })).toEqual([]);
  });

  it('retries with exponential backoff, then marks the job dead after max attempts', async () => {
    const job = await queue.enqueue('test.echo', { text: 'flaky' }, { maxAttempts: 3 });

    await queue.claim('w1', 10_000);
    expect(await queue.fail(job.id, 'w1', 1, new Error('connection reset'))).toBe('queued');
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'queued', attempts: 1, lastError: 'connection reset', runAt: clock.now() + retryDelayMs(1), leaseExpiresAt: null });

    clock.advance(retryDelayMs(1) - 1);
    expect(await queue.claim('w1', 10_000)).toBeNull();
    clock.advance(1);
    expect((await queue.claim('w1', 10_000))?.attempts).toBe(2);
    expect(await queue.complete(job.id, 'w1', 2, { kind: 'retry', reason: 'upstream answered 503' })).toBe('queued');
    expect(await queue.get(job.id, null)).toMatchObject({ attempts: 2, lastError: 'upstream answered 503', runAt: clock.now() + retryDelayMs(2) });
    expect(retryDelayMs(2)).toBeGreaterThan(retryDelayMs(1));

    clock.advance(retryDelayMs(2));
    expect((await queue.claim('w1', 10_000))?.attempts).toBe(3);
    expect(await queue.fail(job.id, 'w1', 3, 'still broken')).toBe('dead');
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'dead', attempts: 3, lastError: 'still broken', finishedAt: clock.now(), leaseExpiresAt: null });

    clock.advance(24 * 3_600_000);
    expect(await queue.claim('w1', 10_000)).toBeNull();
  });

  it('uses the delay a handler asks for instead of the backoff', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' });
    await queue.claim('w1', 10_000);
    await queue.complete(job.id, 'w1', 1, { kind: 'retry', reason: 'rate limited', delayMs: 90_000 });
    expect((await queue.get(job.id, null))?.runAt).toBe(clock.now() + 90_000);
  });

  it('returns the existing job for a repeated idempotency key', async () => {
    const first = await queue.enqueue('test.echo', { text: 'first' }, { idempotencyKey: 'test.echo:1' });
    const again = await queue.enqueue('test.echo', { text: 'second' }, { idempotencyKey: 'test.echo:1' });
    expect(again.id).toBe(first.id);
    expect(again.payload).toEqual({ text: 'first' });

    await queue.claim('w1', 10_000);
    await queue.complete(first.id, 'w1', 1, { kind: 'done' });
    expect(await queue.enqueue('test.echo', { text: 'third' }, { idempotencyKey: 'test.echo:1' })).toMatchObject({ id: first.id, state: 'done' });

    const racing = await Promise.all([1, 2, 3, 4].map((n) => queue.enqueue('test.echo', { text: `racer ${n}` }, { idempotencyKey: 'test.echo:2' })));
    expect(new Set(racing.map((j) => j.id)).size).toBe(1);
    expect(await queue.list({ agencyId: null })).toHaveLength(2);
  });

  it('re-claims a job whose lease expired, and fences out the worker that lost it', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' });
    await queue.claim('w1', 1_000);

    clock.advance(1_000);
    expect(await queue.claim('w2', 1_000)).toBeNull();
    clock.advance(1);
    expect(await queue.claim('w2', 1_000)).toMatchObject({ id: job.id, attempts: 2, leaseOwner: 'w2', lastError: 'Lease of w1 expired before the job finished' });

    expect(await queue.heartbeat(job.id, 'w1', 1, 1_000)).toBe(false);
    expect(await queue.complete(job.id, 'w1', 1, { kind: 'done', result: 'stale' })).toBeNull();
    expect(await queue.fail(job.id, 'w1', 1, new Error('stale'))).toBeNull();
    expect(await queue.release(job.id, 'w1', 1)).toBe(false);
    await expect(
      queue.completeWith(job.id, 'w1', 1, async (trx) => {
        await trx.insertInto('agency').values({ agency_id: testIds.next(), name: 'Stale effect', kind: 'authority', operator: 0, created_at: clock.now() }).execute();
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await agencyNames(d)).toEqual([]);
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'running', leaseOwner: 'w2', attempts: 2 });

    expect(await queue.complete(job.id, 'w2', 2, { kind: 'done', result: 'fresh' })).toBe('done');
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'done', result: 'fresh', leaseOwner: 'w2', attempts: 2 });
  });

  it('keeps the lease while the worker heartbeats', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' });
    await queue.claim('w1', 1_000);
    clock.advance(900);
    expect(await queue.heartbeat(job.id, 'w1', 1, 1_000)).toBe(true);
    clock.advance(900);
    expect(await queue.claim('w2', 1_000)).toBeNull();
    clock.advance(101);
    expect((await queue.claim('w2', 1_000))?.id).toBe(job.id);
  });

  it('marks a job dead when its worker disappears during the final attempt', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' }, { maxAttempts: 1 });
    await queue.claim('w1', 1_000);
    clock.advance(1_001);
    expect(await queue.claim('w2', 1_000)).toBeNull();
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'dead', attempts: 1, finishedAt: clock.now(), lastError: 'Lease of w1 expired during the final attempt' });
  });

  it('commits a completeWith effect together with the completion, or neither', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' });
    await queue.claim('w1', 10_000);

    await expect(
      queue.completeWith(job.id, 'w1', 1, async (trx) => {
        await trx.insertInto('agency').values({ agency_id: testIds.next(), name: 'Half done', kind: 'authority', operator: 0, created_at: clock.now() }).execute();
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await agencyNames(d)).toEqual([]);
    expect((await queue.get(job.id, null))?.state).toBe('running');

    const value = await queue.completeWith(job.id, 'w1', 1, async (trx) => {
      await trx.insertInto('agency').values({ agency_id: testIds.next(), name: 'Effect', kind: 'authority', operator: 0, created_at: clock.now() }).execute();
      return { created: 'Effect' };
    });
    expect(value).toEqual({ created: 'Effect' });
    expect(await agencyNames(d)).toEqual(['Effect']);
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'done', result: { created: 'Effect' } });
  });

  it('releases a job without using up an attempt', async () => {
    const job = await queue.enqueue('test.echo', { text: 'x' }, { maxAttempts: 2 });
    await queue.claim('w1', 10_000);
    clock.advance(50);
    expect(await queue.release(job.id, 'w1', 1)).toBe(true);
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'queued', attempts: 1, maxAttempts: 3, runAt: clock.now() });
    expect(await queue.claim('w2', 10_000)).toMatchObject({ id: job.id, attempts: 2 });
  });

  it('cancels queued and running jobs, and retries dead or cancelled ones', async () => {
    const queued = await queue.enqueue('test.echo', { text: 'queued' });
    expect(await queue.cancel(queued.id)).toMatchObject({ state: 'cancelled', finishedAt: clock.now() });
    expect((await queue.cancel(queued.id)).state).toBe('cancelled');
    expect(await queue.claim('w1', 10_000)).toBeNull();

    const running = await queue.enqueue('test.echo', { text: 'running' });
    await queue.claim('w1', 10_000);
    await queue.cancel(running.id);
    expect(await queue.heartbeat(running.id, 'w1', 1, 10_000)).toBe(false);
    expect(await queue.complete(running.id, 'w1', 1, { kind: 'done' })).toBeNull();
    expect((await queue.get(running.id, null))?.state).toBe('cancelled');
    expect(await vigilCode(queue.cancel(testIds.next()))).toBe('VIGIL_NOT_FOUND');

    expect(await queue.retryDead(queued.id)).toMatchObject({ state: 'queued', finishedAt: null, runAt: clock.now() });
    expect(await queue.claim('w1', 10_000)).toMatchObject({ id: queued.id, attempts: 1 });
    await queue.complete(queued.id, 'w1', 1, { kind: 'done' });
    expect(await vigilCode(queue.cancel(queued.id))).toBe('VIGIL_CONFLICT');
    expect(await vigilCode(queue.retryDead(queued.id))).toBe('VIGIL_JOB_NOT_RETRYABLE');
    expect(await vigilCode(queue.retryDead(testIds.next()))).toBe('VIGIL_NOT_FOUND');

    const doomed = await queue.enqueue('test.echo', { text: 'doomed' }, { maxAttempts: 1 });
    await queue.claim('w1', 10_000);
    expect(await queue.fail(doomed.id, 'w1', 1, new Error('bad input'))).toBe('dead');
    expect(await queue.retryDead(doomed.id)).toMatchObject({ state: 'queued', attempts: 1, maxAttempts: 2, lastError: 'bad input' });
    expect(await queue.claim('w1', 10_000)).toMatchObject({ id: doomed.id, attempts: 2 });
  });

  it('enqueues a recurring job once per period, however many queues ask', async () => {
    const t0 = clock.now();
    await queue.ensureRecurring('session.purge', 60_000, {});
    const queues = [queue, ...[1, 2, 3].map(() => new JobQueue<TestPayloads>({ db: d.db, dialect, clock, ids: testIds }))];
    const dueNow = async () => (await Promise.all(queues.map((q) => q.enqueueDueRecurring()))).flat();

    const first = await dueNow();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ name: 'session.purge', state: 'queued', agencyId: null, idempotencyKey: `recurring:session.purge:${t0}` });
    expect(await dueNow()).toEqual([]);

    clock.advance(59_999);
    expect(await dueNow()).toEqual([]);
    clock.advance(1);
    expect((await dueNow()).map((j) => j.idempotencyKey)).toEqual([`recurring:session.purge:${t0 + 60_000}`]);

    // Down for ten and a half periods: one catch-up run, and the schedule stays on the minute.
    clock.advance(10 * 60_000 + 30_000);
    expect((await dueNow()).map((j) => j.idempotencyKey)).toEqual([`recurring:session.purge:${t0 + 120_000}`]);
    clock.advance(29_999);
    expect(await dueNow()).toEqual([]);
    clock.advance(1);
    expect(await dueNow()).toHaveLength(1);

    // Re-declaring at the next start changes the interval but keeps the schedule.
    const before = await d.db.selectFrom('recurring_job').select('next_run_at').executeTakeFirstOrThrow();
    await queue.ensureRecurring('session.purge', 30_000, {});
    expect(await d.db.selectFrom('recurring_job').select(['next_run_at', 'interval_ms']).executeTakeFirstOrThrow()).toEqual({ next_run_at: before.next_run_at, interval_ms: 30_000 });

    await d.db.updateTable('recurring_job').set({ paused: 1 }).execute();
    clock.advance(3_600_000);
    expect(await dueNow()).toEqual([]);
    expect(await queue.list({ agencyId: null, name: 'session.purge' })).toHaveLength(4);
  });

  it('lists, counts and gets jobs only within the asked agency', async () => {
    const a = await addAgency(d, 'Agency A', clock.now());
    const b = await addAgency(d, 'Agency B', clock.now());
    const a1 = await queue.enqueue('test.echo', { text: 'a1' }, { agencyId: a });
    const a2 = await queue.enqueue('test.other', {}, { agencyId: a });
    const a3 = await queue.enqueue('test.echo', { text: 'a3' }, { agencyId: a });
    const b1 = await queue.enqueue('test.echo', { text: 'b1' }, { agencyId: b });
    const instance = await queue.enqueue('session.purge', {});

    expect((await queue.list({ agencyId: a })).map((j) => j.id)).toEqual([a3.id, a2.id, a1.id]);
    expect((await queue.list({ agencyId: b })).map((j) => j.id)).toEqual([b1.id]);
    expect((await queue.list({ agencyId: null })).map((j) => j.id)).toEqual([instance.id]);
    expect((await queue.list({ agencyId: a, name: 'test.other' })).map((j) => j.id)).toEqual([a2.id]);
    expect((await queue.list({ agencyId: a, limit: 2 })).map((j) => j.id)).toEqual([a3.id, a2.id]);
    expect((await queue.list({ agencyId: a, before: a2.id })).map((j) => j.id)).toEqual([a1.id]);

    expect(await queue.get(b1.id, a)).toBeNull();
    expect(await queue.get(b1.id, null)).toBeNull();
    expect(await queue.get(instance.id, a)).toBeNull();
    expect((await queue.get(b1.id, b))?.payload).toEqual({ text: 'b1' });
    expect((await queue.get(instance.id, null))?.name).toBe('session.purge');

    const claimed = await queue.claim('w1', 10_000);
    expect(claimed?.id).toBe(a1.id);
    await queue.complete(a1.id, 'w1', 1, { kind: 'done' });
    await queue.cancel(b1.id);
    expect(await queue.counts(a)).toEqual({ queued: 2, running: 0, done: 1, dead: 0, cancelled: 0 });
    expect(await queue.counts(b)).toEqual({ queued: 0, running: 0, done: 0, dead: 0, cancelled: 1 });
    expect(await queue.counts(null)).toEqual({ queued: 1, running: 0, done: 0, dead: 0, cancelled: 0 });
    expect((await queue.list({ agencyId: a, state: 'done' })).map((j) => j.id)).toEqual([a1.id]);
  });
});

describe.each(['sqlite', 'postgres'] as const)('JobWorker in process on %s', (dialect) => {
  let d: TestDatabase;
  let clock: FakeClock;
  let queue: JobQueue<TestPayloads>;
  const workers: JobWorker<TestPayloads>[] = [];

  function workerWith(handlers: Partial<{ [N in keyof TestPayloads]: (payload: TestPayloads[N], ctx: JobContext) => Promise<JobOutcome> }>, options: { stopGraceMs?: number; concurrency?: number; leaseMs?: number } = {}) {
    const skip = async (): Promise<JobOutcome> => ({ kind: 'skipped', reason: 'not under test' });
    const registry = createJobRegistry<TestPayloads>(
      [
        ['session.purge', handlers['session.purge'] ?? skip],
        ['blob.verify', skip],
        ['test.echo', handlers['test.echo'] ?? skip],
      ],
      ['session.purge', 'blob.verify', 'test.echo'],
    );
    const worker = new JobWorker({ queue, registry, owner: 'worker-1', clock, pollMs: 5, ...options });
    workers.push(worker);
    return worker;
  }

  beforeEach(async () => {
    d = await createTestDatabase(dialect);
    clock = new FakeClock();
    queue = new JobQueue<TestPayloads>({ db: d.db, dialect, clock, ids: testIds });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await d.drop();
  });

  it('runs the handler with the job context and records its result', async () => {
    const a = await addAgency(d, 'Agency A', clock.now());
    const seen: JobContext[] = [];
    const worker = workerWith({
      'test.echo': async (payload, ctx) => {
        seen.push(ctx);
        return { kind: 'done', result: { echoed: payload.text } };
      },
    });
    const keyed = await queue.enqueue('test.echo', { text: 'one' }, { agencyId: a, idempotencyKey: 'test.echo:one' });
    const plain = await queue.enqueue('test.echo', { text: 'two' });

    expect(await worker.runOnce()).toMatchObject({ id: keyed.id, state: 'done', result: { echoed: 'one' }, leaseOwner: 'worker-1' });
    expect(await worker.runOnce()).toMatchObject({ id: plain.id, state: 'done', result: { echoed: 'two' } });
    expect(await worker.runOnce()).toBeNull();
    expect(seen.map((c) => [c.jobId, c.name, c.attempt, c.idempotencyKey, c.agencyId])).toEqual([
      [keyed.id, 'test.echo', 1, 'test.echo:one', a],
      [plain.id, 'test.echo', 1, plain.id, null],
    ]);
  });

  it('counts a thrown error as a retry, until the job is dead', async () => {
    const worker = workerWith({
      'test.echo': async () => {
        throw new Error('parser exploded');
      },
    });
    const job = await queue.enqueue('test.echo', { text: 'x' }, { maxAttempts: 2 });
    expect(await worker.runOnce()).toMatchObject({ state: 'queued', attempts: 1, lastError: 'parser exploded', runAt: clock.now() + retryDelayMs(1) });
    clock.advance(retryDelayMs(1));
    expect(await worker.runOnce()).toMatchObject({ id: job.id, state: 'dead', attempts: 2, lastError: 'parser exploded' });
  });

  it('fails a job that has no handler in this worker with a clear error', async () => {
    const worker = workerWith({});
    const job = await queue.enqueue('test.other', {});
    expect(await worker.runOnce()).toMatchObject({ id: job.id, state: 'queued', attempts: 1 });
    expect((await queue.get(job.id, null))?.lastError).toMatch(/^No handler for job "test\.other" in worker worker-1/);
  });

  it('lets a handler complete inside its own transaction', async () => {
    const worker = workerWith({
      'test.echo': async (payload, ctx) => {
        await ctx.completeWith(async (trx) => {
          await trx.insertInto('agency').values({ agency_id: testIds.next(), name: payload.text, kind: 'flagger', operator: 0, created_at: clock.now() }).execute();
          return { agency: payload.text };
        });
        return { kind: 'done' };
      },
    });
    await queue.enqueue('test.echo', { text: 'Made by a job' });
    expect(await worker.runOnce()).toMatchObject({ state: 'done', result: { agency: 'Made by a job' } });
    expect(await agencyNames(d)).toEqual(['Made by a job']);
  });

  it('runs due recurring jobs on its poll', async () => {
    let purges = 0;
    const worker = workerWith({
      'session.purge': async () => {
        purges++;
        return { kind: 'done' };
      },
    });
    await queue.ensureRecurring('session.purge', 60_000, {});
    expect(await worker.runOnce()).toMatchObject({ name: 'session.purge', state: 'done' });
    expect(await worker.runOnce()).toBeNull();
    expect(purges).toBe(1);
  });

  it('aborts the handler signal when the job is cancelled under it', async () => {
    const started = gate();
    let reason: unknown;
    const worker = workerWith({
      'test.echo': async (_payload, ctx) => {
        started.open();
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        reason = ctx.signal.reason;
        return { kind: 'done', result: 'too late' };
      },
    }, { leaseMs: 300 });
    worker.start();
    const job = await queue.enqueue('test.echo', { text: 'x' });
    await started.promise;
    await queue.cancel(job.id);
    // The next heartbeat (every leaseMs / 3) notices the cancellation.
    await vi.waitFor(() => expect(reason).toBeInstanceOf(LeaseLostError), { timeout: 10_000, interval: 20 });
    await worker.stop();
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'cancelled', result: null });
  });

  it('drains the queue when started, several jobs at once', async () => {
    const running = new Set<string>();
    let mostAtOnce = 0;
    const release = gate();
    const worker = workerWith(
      {
        'test.echo': async (_payload, ctx) => {
          running.add(ctx.jobId);
          mostAtOnce = Math.max(mostAtOnce, running.size);
          await release.promise;
          running.delete(ctx.jobId);
          return { kind: 'done' };
        },
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 5; i++) await queue.enqueue('test.echo', { text: `job ${i}` });
    worker.start();
    await vi.waitFor(() => expect(running.size).toBe(2), { timeout: 10_000, interval: 10 });
    release.open();
    await vi.waitFor(async () => expect((await queue.counts(null)).done).toBe(5), { timeout: 10_000, interval: 20 });
    expect(mostAtOnce).toBe(2);
  });

  it('waits for running jobs on stop', async () => {
    const started = gate();
    const finish = gate();
    const worker = workerWith({
      'test.echo': async () => {
        started.open();
        await finish.promise;
        return { kind: 'done', result: 'finished during shutdown' };
      },
    });
    const job = await queue.enqueue('test.echo', { text: 'x' });
    worker.start();
    await started.promise;
    const stopped = worker.stop();
    finish.open();
    await stopped;
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'done', result: 'finished during shutdown' });
  });

  it('after the grace period, interrupts running jobs and hands them back without using an attempt', async () => {
    const started = gate();
    const worker = workerWith(
      {
        'test.echo': async (_payload, ctx) => {
          started.open();
          await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
          return { kind: 'done' };
        },
      },
      { stopGraceMs: 0 },
    );
    const job = await queue.enqueue('test.echo', { text: 'x' }, { maxAttempts: 3 });
    worker.start();
    await started.promise;
    await worker.stop();
    expect(await queue.get(job.id, null)).toMatchObject({ state: 'queued', attempts: 1, maxAttempts: 4, leaseExpiresAt: null });
  });
});
