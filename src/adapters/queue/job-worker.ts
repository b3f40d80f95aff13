/**
 * Runs queued jobs: polls the queue, claims up to `concurrency` jobs, runs each job's handler while
 * renewing its lease, and records the outcome. With SQLite one worker runs inside the server; with
 * PostgreSQL any number of `vigil worker` processes run side by side.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../domains/ports.ts';
import type { JobState } from '../../domains/jobs/job.model.ts';
import { describeError, LeaseLostError, type JobQueue } from './job-queue.ts';
import type { JobRegistry } from './job-registry.ts';
import type { JobContext, JobOutcome, JobPayloads, JobView } from './job-types.ts';

export const WORKER_DEFAULT_LEASE_MS = 30_000;
export const WORKER_DEFAULT_POLL_MS = 500;
/** How long stop() lets running handlers finish before aborting their signals. */
export const WORKER_DEFAULT_STOP_GRACE_MS = 10_000;

/** The slice of a pino / Fastify logger the worker needs. */
export interface WorkerLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

const silentLog: WorkerLog = { info() {}, warn() {}, error() {} };

export interface JobWorkerOptions<P extends object = JobPayloads> {
  queue: JobQueue<P>;
  registry: JobRegistry;
  /** Names this worker in leases; unique per process by default. */
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  stopGraceMs?: number;
  clock: Clock;
  log?: WorkerLog;
}

interface RunningJob {
  done: Promise<void>;
  /** Aborts the handler's signal because the worker is stopping. */
  interrupt(): void;
}

/**
 * @example
 * const worker = new JobWorker({ queue, registry, clock, concurrency: 2, log });
 * worker.start();
 * process.on('SIGTERM', () => void worker.stop().then(() => process.exit(0)));
 */
export class JobWorker<P extends object = JobPayloads> {
  readonly owner: string;
  readonly #queue: JobQueue<P>;
  readonly #registry: JobRegistry;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #stopGraceMs: number;
  readonly #clock: Clock;
  readonly #log: WorkerLog;
  readonly #running = new Map<string, RunningJob>();
  #started = false;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #tickAgain = false;

  constructor(options: JobWorkerOptions<P>) {
    this.#queue = options.queue;
    this.#registry = options.registry;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#leaseMs = options.leaseMs ?? WORKER_DEFAULT_LEASE_MS;
    this.#pollMs = options.pollMs ?? WORKER_DEFAULT_POLL_MS;
    this.#concurrency = options.concurrency ?? 1;
    this.#stopGraceMs = options.stopGraceMs ?? WORKER_DEFAULT_STOP_GRACE_MS;
    this.#clock = options.clock;
    this.#log = options.log ?? silentLog;
    if (!Number.isSafeInteger(this.#leaseMs) || this.#leaseMs < 3) {
      throw new RangeError(`JobWorker: leaseMs must be an integer of at least 3 (heartbeats run every leaseMs / 3), got ${this.#leaseMs}.`);
    }
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`JobWorker: concurrency must be a positive integer, got ${this.#concurrency}.`);
    }
  }

  /** Starts polling; returns at once. */
  start(): void {
    if (this.#started) throw new Error(`JobWorker ${this.owner} is already started.`);
    this.#started = true;
    this.#poll();
  }

  /**
   * Stops claiming, waits for running jobs, and after the grace period aborts their signals (an
   * interrupted job goes back to the queue without using up an attempt). Resolves once every
   * handler has returned.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    await this.#tick;
    const running = [...this.#running.values()];
    const grace = setTimeout(() => running.forEach((job) => job.interrupt()), this.#stopGraceMs);
    await Promise.all(running.map((job) => job.done));
    clearTimeout(grace);
  }

  /**
   * One poll without the loop: enqueues due recurring jobs, then claims and runs at most one job.
   * Returns that job as it stands afterwards, or null when nothing was due.
   */
  async runOnce(): Promise<JobView | null> {
    await this.#queue.enqueueDueRecurring();
    const job = await this.#queue.claim(this.owner, this.#leaseMs);
    if (!job) return null;
    await this.#launch(job).done;
    return this.#queue.get(job.id, job.agencyId);
  }

  #poll(): void {
    if (this.#stopping) return;
    if (this.#tick) {
      // A job finished while a poll was under way: poll again right after it, not a whole interval later.
      this.#tickAgain = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#tick = this.#claimAvailable().finally(() => {
      this.#tick = undefined;
      if (this.#stopping) return;
      const delay = this.#tickAgain ? 0 : this.#pollMs;
      this.#tickAgain = false;
      this.#timer = setTimeout(() => this.#poll(), delay);
    });
  }

  async #claimAvailable(): Promise<void> {
    try {
      await this.#queue.enqueueDueRecurring();
    } catch (error) {
      this.#log.error({ err: error, worker: this.owner }, 'enqueuing recurring jobs failed');
    }
    try {
      while (!this.#stopping && this.#running.size < this.#concurrency) {
        const job = await this.#queue.claim(this.owner, this.#leaseMs);
        if (!job) break;
        this.#launch(job);
      }
    } catch (error) {
      this.#log.error({ err: error, worker: this.owner }, 'claiming jobs failed');
    }
  }

  #launch(job: JobView): RunningJob {
    const controller = new AbortController();
    let interrupted = false;
    const running: RunningJob = {
      done: this.#run(job, controller, () => interrupted).finally(() => {
        this.#running.delete(job.id);
        if (this.#started) this.#poll();
      }),
      interrupt() {
        interrupted = true;
        controller.abort(new Error(`Worker is stopping; job ${job.id} goes back to the queue.`));
      },
    };
    this.#running.set(job.id, running);
    return running;
  }

  /** Never rejects: every failure ends up in the job row or the log. */
  async #run(job: JobView, controller: AbortController, wasInterrupted: () => boolean): Promise<void> {
    const { id, name, attempts: attempt } = job;
    const log = { job: id, name, attempt, worker: this.owner };
    let leaseExpiresAt = job.leaseExpiresAt ?? this.#clock.now() + this.#leaseMs;
    let settledInTransaction = false;

    const renewLease = async (): Promise<void> => {
      if (controller.signal.aborted) throw controller.signal.reason;
      const now = this.#clock.now();
      if (!(await this.#queue.heartbeat(id, this.owner, attempt, this.#leaseMs))) {
        const lost = new LeaseLostError(id, this.owner);
        controller.abort(lost);
        throw lost;
      }
      leaseExpiresAt = now + this.#leaseMs;
    };
    const heartbeats = setInterval(() => {
      if (controller.signal.aborted) return;
      renewLease().catch((error: unknown) => {
        if (error instanceof LeaseLostError) {
          this.#log.warn(log, 'lost the lease; the job is cancelled or another worker has it');
        } else if (!controller.signal.aborted) {
          this.#log.warn({ ...log, err: error }, 'heartbeat failed');
          // Without a renewal another worker may take the job once the lease runs out; stop before then.
          if (this.#clock.now() >= leaseExpiresAt) controller.abort(new LeaseLostError(id, this.owner));
        }
      });
    }, Math.floor(this.#leaseMs / 3));

    const ctx: JobContext = {
      jobId: id,
      name,
      attempt,
      idempotencyKey: job.idempotencyKey ?? id,
      agencyId: job.agencyId,
      signal: controller.signal,
      heartbeat: renewLease,
      completeWith: async (work) => {
        const value = await this.#queue.completeWith(id, this.owner, attempt, work);
        settledInTransaction = true;
        return value;
      },
    };

    try {
      const handler = this.#registry.get(name);
      if (!handler) {
        const error = new Error(`No handler for job "${name}" in worker ${this.owner}; is this worker older than the code that enqueued it?`);
        this.#report(log, await this.#queue.fail(id, this.owner, attempt, error), error.message);
        return;
      }
      let outcome: JobOutcome;
      try {
        outcome = await handler(job.payload as never, ctx);
      } catch (error) {
        if (settledInTransaction) {
          this.#log.warn({ ...log, err: error }, 'handler threw after completing the job in a transaction; the job stays done');
        } else if (wasInterrupted()) {
          await this.#queue.release(id, this.owner, attempt);
          this.#log.info(log, 'job interrupted by shutdown; queued again');
        } else {
          this.#report(log, await this.#queue.fail(id, this.owner, attempt, error), describeError(error));
        }
        return;
      }
      if (settledInTransaction) {
        if (outcome.kind !== 'done') this.#log.warn({ ...log, outcome }, 'handler completed the job in a transaction, then returned another outcome; the job stays done');
        return;
      }
      this.#report(log, await this.#queue.complete(id, this.owner, attempt, outcome), outcome.kind === 'retry' ? outcome.reason : null);
    } catch (error) {
      this.#log.error({ ...log, err: error }, 'recording the job outcome failed; the job runs again once its lease expires');
    } finally {
      clearInterval(heartbeats);
    }
  }

  #report(log: Record<string, unknown>, state: JobState | null, reason: string | null): void {
    if (state === null) this.#log.warn({ ...log, reason }, 'outcome discarded: the lease was lost (job cancelled or taken over)');
    else if (state === 'dead') this.#log.error({ ...log, reason }, 'job is dead: no attempts left');
    else if (state === 'queued') this.#log.warn({ ...log, reason }, 'job failed; it will be retried');
  }
}
