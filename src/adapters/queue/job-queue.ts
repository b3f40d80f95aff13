/**
 * The job queue, kept in the application's own database so that enqueuing can share a transaction
 * with the write that caused it, and so one SQLite file or one PostgreSQL server is all there is to run.
 *
 * A running job is held by a lease (owner + expiry) that its worker renews. Every write a worker makes
 * about its job is fenced by (lease owner, attempt number): once the lease has expired and another
 * worker has claimed the job, the first worker's heartbeat, completion or failure changes nothing.
 */
import { CompiledQuery, sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database, JobTable } from '../db/schema.ts';
import type { Dialect } from '../db/database.ts';
import { SQLITE_CLAIM_SQL } from '../db/sqlite.ts';
import { POSTGRES_CLAIM_SQL } from '../db/postgres.ts';
import type { Clock, Ids } from '../../domains/ports.ts';
import { JOB_DEFAULT_MAX_ATTEMPTS, JOB_STATES, retryDelayMs, type JobState } from '../../domains/jobs/job.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import type { JobNameOf, JobOutcome, JobPayloads, JobView } from './job-types.ts';

export const JOB_LIST_DEFAULT_LIMIT = 50;
export const JOB_LIST_MAX_LIMIT = 500;
/** Longer error texts (stack traces of chatty libraries) are cut to this many characters. */
export const JOB_ERROR_MAX_CHARS = 4_000;

const CLAIM_SQL: Record<Dialect, string> = { sqlite: SQLITE_CLAIM_SQL, postgres: POSTGRES_CLAIM_SQL };

export interface JobQueueDeps {
  /** A Transaction works too: the queue then reads and writes inside it. */
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  ids: Ids;
}

export interface EnqueueOptions {
  /** Omit for instance-wide jobs. */
  agencyId?: string;
  /** Epoch ms; default now. Give either this or delayMs. */
  runAt?: number;
  delayMs?: number;
  /** Higher runs first; default 0. */
  priority?: number;
  maxAttempts?: number;
  /**
   * Enqueuing again with a key that any job ever had returns that job instead of a new one. Keys
   * are global, so start them with the job name: `capture.fetch:<itemId>:<hour>`.
   */
  idempotencyKey?: string;
}

export interface JobListQuery {
  /** null selects the instance-wide jobs (those with no agency), never other agencies' jobs. */
  agencyId: string | null;
  state?: JobState;
  name?: string;
  limit?: number;
  /** A job id: only jobs older than it (job ids are UUIDv7, so they sort by creation). */
  before?: string;
}

export class LeaseLostError extends Error {
  readonly jobId: string;
  constructor(jobId: string, owner: string) {
    super(`Worker ${owner} no longer holds the lease on job ${jobId}; another worker may be running it.`);
    this.name = 'LeaseLostError';
    this.jobId = jobId;
  }
}

type JobScope = ExpressionBuilder<Database, 'job'>;

/** The fence: only the worker that made this claim, while the job is still running under it. */
function heldBy(jobId: string, owner: string, attempt: number) {
  return (eb: JobScope) =>
    eb.and([eb('job_id', '=', jobId), eb('lease_owner', '=', owner), eb('attempts', '=', attempt), eb('state', '=', 'running')]);
}

function inScope(agencyId: string | null) {
  return (eb: JobScope) => (agencyId === null ? eb('agency_id', 'is', null) : eb('agency_id', '=', agencyId));
}

function truncateError(text: string): string {
  return text.length > JOB_ERROR_MAX_CHARS ? `${text.slice(0, JOB_ERROR_MAX_CHARS)}…` : text;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function toJobView(row: JobTable): JobView {
  return {
    id: row.job_id,
    name: row.name,
    state: row.state as JobState,
    agencyId: row.agency_id,
    priority: row.priority,
    runAt: row.run_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    idempotencyKey: row.idempotency_key,
    lastError: row.last_error,
    result: row.result === null ? null : JSON.parse(row.result),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    payload: JSON.parse(row.payload),
  };
}

/**
 * @example
 * const queue = new JobQueue({ db, dialect, clock, ids });
 * await queue.enqueue('blob.verify', {}, { idempotencyKey: `blob.verify:${day}` });
 */
export class JobQueue<P extends object = JobPayloads> {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  readonly #clock: Clock;
  readonly #ids: Ids;

  constructor(deps: JobQueueDeps) {
    this.#db = deps.db;
    this.#dialect = deps.dialect;
    this.#clock = deps.clock;
    this.#ids = deps.ids;
  }

  enqueue<N extends JobNameOf<P>>(name: N, payload: P[N], options: EnqueueOptions = {}): Promise<JobView> {
    return this.#insert(this.#db, name, JSON.stringify(payload), options);
  }

  /** Takes the next due job for `owner` until now + leaseMs, or returns null when none is due. */
  async claim(owner: string, leaseMs: number): Promise<JobView | null> {
    const now = this.#clock.now();
    await this.#buryAbandonedFinalAttempts(now);
    const query = CompiledQuery.raw(CLAIM_SQL[this.#dialect], [owner, now + leaseMs, now, now, now]) as CompiledQuery<JobTable>;
    const { rows } = await this.#db.executeQuery(query);
    return rows[0] ? toJobView(rows[0]) : null;
  }

  /** Extends the lease to now + leaseMs; false when the lease is no longer this worker's. */
  async heartbeat(jobId: string, owner: string, attempt: number, leaseMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const { numUpdatedRows } = await this.#db
      .updateTable('job')
      .set({ lease_expires_at: now + leaseMs, updated_at: now })
      .where(heldBy(jobId, owner, attempt))
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  }

  /**
   * Records a handler's outcome. Returns the job's new state, or null if the lease was lost (the
   * job then belongs to another worker and is left alone).
   */
  complete(jobId: string, owner: string, attempt: number, outcome: JobOutcome): Promise<JobState | null> {
    return this.#settle(this.#db, jobId, owner, attempt, outcome);
  }

  /** A thrown error: retried after the backoff, dead once attempts run out. */
  fail(jobId: string, owner: string, attempt: number, error: unknown): Promise<JobState | null> {
    return this.#settle(this.#db, jobId, owner, attempt, { kind: 'retry', reason: describeError(error) });
  }

  /** See JobContext.completeWith. Throws LeaseLostError, rolling `work` back, if the lease was lost. */
  async completeWith<T>(jobId: string, owner: string, attempt: number, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      // Touching the row first takes SQLite's write lock or PostgreSQL's row lock before `work`
      // runs, so no other worker can claim the job between this check and the commit.
      const { numUpdatedRows } = await trx
        .updateTable('job')
        .set({ updated_at: this.#clock.now() })
        .where(heldBy(jobId, owner, attempt))
        .executeTakeFirst();
      if (numUpdatedRows === 0n) throw new LeaseLostError(jobId, owner);
      const value = await work(trx);
      await this.#settle(trx, jobId, owner, attempt, { kind: 'done', result: value });
      return value;
    });
  }

  /**
   * Hands a job back untouched because its worker is shutting down: queued again at once, and the
   * interrupted attempt does not count against maxAttempts.
   */
  async release(jobId: string, owner: string, attempt: number): Promise<boolean> {
    const now = this.#clock.now();
    const { numUpdatedRows } = await this.#db
      .updateTable('job')
      .set((eb) => ({ state: 'queued', run_at: now, max_attempts: eb('max_attempts', '+', 1), lease_expires_at: null, updated_at: now }))
      .where(heldBy(jobId, owner, attempt))
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  }

  /**
   * Queues a dead or cancelled job again with as many attempts as it had before. Attempts keep
   * counting up rather than restarting at 0, so (owner, attempt) never fences two different runs.
   */
  async retryDead(jobId: string): Promise<JobView> {
    const now = this.#clock.now();
    const row = await this.#db
      .updateTable('job')
      .set((eb) => ({ state: 'queued', run_at: now, max_attempts: eb('attempts', '+', eb.ref('max_attempts')), finished_at: null, updated_at: now }))
      .where('job_id', '=', jobId)
      .where('state', 'in', ['dead', 'cancelled'])
      .returningAll()
      .executeTakeFirst();
    if (row) return toJobView(row);
    const job = await this.#find(jobId);
    if (!job) throw new VigilError('VIGIL_NOT_FOUND', `No job ${jobId}.`);
    throw new VigilError('VIGIL_JOB_NOT_RETRYABLE', `Job ${jobId} is ${job.state}; only dead or cancelled jobs can be retried.`);
  }

  /**
   * Cancels a queued or running job. A running handler learns of it at its next heartbeat (its
   * signal is aborted) and its outcome is then ignored.
   */
  async cancel(jobId: string): Promise<JobView> {
    const now = this.#clock.now();
    const row = await this.#db
      .updateTable('job')
      .set({ state: 'cancelled', finished_at: now, lease_expires_at: null, updated_at: now })
      .where('job_id', '=', jobId)
      .where('state', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
    if (row) return toJobView(row);
    const job = await this.#find(jobId);
    if (!job) throw new VigilError('VIGIL_NOT_FOUND', `No job ${jobId}.`);
    if (job.state === 'cancelled') return job;
    throw new VigilError('VIGIL_CONFLICT', `Job ${jobId} is ${job.state}; only queued or running jobs can be cancelled.`);
  }

  /** The job if it belongs to `agencyId` (null: if it is instance-wide). */
  async get(jobId: string, agencyId: string | null): Promise<JobView | null> {
    const row = await this.#db.selectFrom('job').selectAll().where('job_id', '=', jobId).where(inScope(agencyId)).executeTakeFirst();
    return row ? toJobView(row) : null;
  }

  /** Newest first. */
  async list(query: JobListQuery): Promise<JobView[]> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? JOB_LIST_DEFAULT_LIMIT)), JOB_LIST_MAX_LIMIT);
    let select = this.#db.selectFrom('job').selectAll().where(inScope(query.agencyId));
    if (query.state !== undefined) select = select.where('state', '=', query.state);
    if (query.name !== undefined) select = select.where('name', '=', query.name);
    if (query.before !== undefined) select = select.where('job_id', '<', query.before);
    const rows = await select.orderBy('job_id', 'desc').limit(limit).execute();
    return rows.map(toJobView);
  }

  /** Jobs per state for `agencyId` (null: the instance-wide jobs); every state is present. */
  async counts(agencyId: string | null): Promise<Record<JobState, number>> {
    const rows = await this.#db
      .selectFrom('job')
      .select((eb) => ['state', eb.fn.countAll().as('n')])
      .where(inScope(agencyId))
      .groupBy('state')
      .execute();
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of rows) counts[r.state as JobState] = Number(r.n);
    return counts;
  }

  /**
   * Declares an instance-wide job that runs every intervalMs, first as soon as a worker polls.
   * Safe to call at every start: interval and payload are updated, the schedule is kept.
   */
  async ensureRecurring<N extends JobNameOf<P>>(name: N, intervalMs: number, payload: P[N]): Promise<void> {
    if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`Recurring job ${name}: intervalMs must be a positive integer, got ${intervalMs}.`);
    }
    const payloadJson = JSON.stringify(payload);
    await this.#db
      .insertInto('recurring_job')
      .values({ name, interval_ms: intervalMs, payload: payloadJson, next_run_at: this.#clock.now(), paused: 0 })
      .onConflict((oc) => oc.column('name').doUpdateSet({ interval_ms: intervalMs, payload: payloadJson }))
      .execute();
  }

  /**
   * Enqueues every recurring job that is due, once per period however many processes call this at
   * the same time. Returns the jobs it enqueued.
   */
  async enqueueDueRecurring(): Promise<JobView[]> {
    const now = this.#clock.now();
    const due = await this.#db
      .selectFrom('recurring_job')
      .selectAll()
      .where('paused', '=', 0)
      .where('next_run_at', '<=', now)
      .execute();
    const enqueued: JobView[] = [];
    for (const r of due) {
      // Periods stay aligned to the first run; after downtime the job runs once, not once per missed period.
      const nextRunAt = r.next_run_at + (Math.floor((now - r.next_run_at) / r.interval_ms) + 1) * r.interval_ms;
      const job = await this.#db.transaction().execute(async (trx) => {
        // Compare-and-set on next_run_at: of the processes that saw this period due, exactly one
        // advances it and enqueues; the write comes first so SQLite never upgrades a read lock.
        const { numUpdatedRows } = await trx
          .updateTable('recurring_job')
          .set({ next_run_at: nextRunAt })
          .where('name', '=', r.name)
          .where('next_run_at', '=', r.next_run_at)
          .executeTakeFirst();
        if (numUpdatedRows === 0n) return null;
        return this.#insert(trx, r.name, r.payload, { idempotencyKey: `recurring:${r.name}:${r.next_run_at}` });
      });
      if (job) enqueued.push(job);
    }
    return enqueued;
  }

  async #insert(db: Kysely<Database>, name: string, payloadJson: string, options: EnqueueOptions): Promise<JobView> {
    const now = this.#clock.now();
    if (options.runAt !== undefined && options.delayMs !== undefined) {
      throw new RangeError(`Job ${name}: give runAt or delayMs, not both.`);
    }
    const maxAttempts = options.maxAttempts ?? JOB_DEFAULT_MAX_ATTEMPTS;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`Job ${name}: maxAttempts must be a positive integer, got ${maxAttempts}.`);
    }
    const priority = options.priority ?? 0;
    if (!Number.isSafeInteger(priority)) throw new RangeError(`Job ${name}: priority must be an integer, got ${priority}.`);
    const insert = db
      .insertInto('job')
      .values({
        job_id: this.#ids.next(),
        name,
        payload: payloadJson,
        state: 'queued',
        agency_id: options.agencyId ?? null,
        priority,
        run_at: options.runAt ?? now + (options.delayMs ?? 0),
        attempts: 0,
        max_attempts: maxAttempts,
        idempotency_key: options.idempotencyKey ?? null,
        lease_owner: null,
        lease_expires_at: null,
        last_error: null,
        result: null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .returningAll();
    const key = options.idempotencyKey;
    if (key === undefined) return toJobView(await insert.executeTakeFirstOrThrow());
    const inserted = await insert.onConflict((oc) => oc.column('idempotency_key').doNothing()).executeTakeFirst();
    return toJobView(inserted ?? (await db.selectFrom('job').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow()));
  }

  async #settle(db: Kysely<Database>, jobId: string, owner: string, attempt: number, outcome: JobOutcome): Promise<JobState | null> {
    const now = this.#clock.now();
    if (outcome.kind !== 'retry') {
      const result = outcome.kind === 'done' ? outcome.result : { skipped: outcome.reason };
      const row = await db
        .updateTable('job')
        .set({ state: 'done', result: result === undefined ? null : JSON.stringify(result), finished_at: now, lease_expires_at: null, updated_at: now })
        .where(heldBy(jobId, owner, attempt))
        .returning('state')
        .executeTakeFirst();
      return row ? 'done' : null;
    }
    // Two fenced statements instead of one with CASE: PostgreSQL would type an untyped time
    // parameter inside a CASE branch as text and refuse it for a bigint column.
    const lastError = truncateError(outcome.reason);
    const dead = await db
      .updateTable('job')
      .set({ state: 'dead', last_error: lastError, finished_at: now, lease_expires_at: null, updated_at: now })
      .where(heldBy(jobId, owner, attempt))
      .whereRef('attempts', '>=', 'max_attempts')
      .returning('state')
      .executeTakeFirst();
    if (dead) return 'dead';
    const queued = await db
      .updateTable('job')
      .set({ state: 'queued', last_error: lastError, run_at: now + (outcome.delayMs ?? retryDelayMs(attempt)), lease_expires_at: null, updated_at: now })
      .where(heldBy(jobId, owner, attempt))
      .returning('state')
      .executeTakeFirst();
    return queued ? 'queued' : null;
  }

  // A worker that dies during the final attempt leaves a running job that the claim statement will
  // not take again (no attempts left); without this it would stay "running" forever.
  async #buryAbandonedFinalAttempts(now: number): Promise<void> {
    await this.#db
      .updateTable('job')
      .set({
        state: 'dead',
        last_error: sql<string>`'Lease of ' || lease_owner || ' expired during the final attempt'`,
        finished_at: now,
        lease_expires_at: null,
        updated_at: now,
      })
      .where('state', '=', 'running')
      .where('lease_expires_at', '<', now)
      .whereRef('attempts', '>=', 'max_attempts')
      .execute();
  }

  async #find(jobId: string): Promise<JobView | null> {
    const row = await this.#db.selectFrom('job').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    return row ? toJobView(row) : null;
  }
}
