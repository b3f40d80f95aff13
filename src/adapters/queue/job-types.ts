/**
 * The job catalogue: every job name with its payload type, and the shapes handlers and the API see.
 * A new job is one line in `JobPayloads` and one in `DECLARED`, plus its handler in `app/jobs.ts`;
 * the registry refuses to start if the three disagree.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { JobState } from '../../domains/jobs/job.model.ts';

/** Job name (`'<domain>.<verb>'`) → payload. Payloads are stored as JSON, so keep them plain data. */
export interface JobPayloads {
  /** Deletes expired login sessions. */
  'session.purge': Record<string, never>;
  /** Re-reads every stored blob and reports those whose bytes no longer match their hash. */
  'blob.verify': Record<string, never>;
  /** Fetches (or, for an uploaded file, analyses) one item and records a capture. */
  'capture.fetch': { itemId: string };
  /** Renders a captured page in Chromium and stores the PNG. */
  'capture.screenshot': { captureId: string };
  /** Enqueues a run for every watched source that is due. */
  'watch.tick': Record<string, never>;
  /** One run of one watched source. */
  'watch.run': { sourceId: string };
  /** Signs a checkpoint of every agency's custody chain that has grown since the last one. */
  'custody.checkpoint': Record<string, never>;
  /** The next delivery attempt of one outbound message to a provider (webhook or e-mail). */
  'dispatch.send': { dispatchId: string };
  /** Reminds a provider of a referral it has not acknowledged (REFERRAL_REMINDERS_MAX at most). */
  'referral.remind': { referralId: string };
  /** Checks one removal order's clock: escalation before the deadline, breach after it. */
  'order.clock': { orderId: string };
  /** E-mails the TCO Art. 4(1) copy of an issued cross-border order to the host State's authority. */
  'order.copy': { orderId: string };
}

export type JobName = keyof JobPayloads;

/** The job names of any payload map; tests and fixtures declare their own maps. */
export type JobNameOf<P extends object> = keyof P & string;

// A Record over JobName makes the compiler reject a name that is missing here or not declared above,
// so the runtime list the startup check uses cannot drift from the types.
const DECLARED: Record<JobName, true> = {
  'session.purge': true,
  'blob.verify': true,
  'capture.fetch': true,
  'capture.screenshot': true,
  'watch.tick': true,
  'watch.run': true,
  'custody.checkpoint': true,
  'dispatch.send': true,
  'referral.remind': true,
  'order.clock': true,
  'order.copy': true,
};

/** Every declared job name; the registry requires exactly one handler for each. */
export const JOB_NAMES: readonly JobName[] = Object.keys(DECLARED) as JobName[];

export type JobOutcome =
  | { kind: 'done'; result?: unknown }
  /** Nothing to do (already done elsewhere, target gone); ends the job as done with the reason as result. */
  | { kind: 'skipped'; reason: string }
  /** Try again later: after `delayMs`, or after the exponential backoff; dead once attempts run out. */
  | { kind: 'retry'; reason: string; delayMs?: number };

export interface JobContext {
  jobId: string;
  name: string;
  /** 1 on the first run; counts every claim, including ones whose worker died. */
  attempt: number;
  /**
   * Stable across attempts: the key the job was enqueued with, else its id. Pass it to outside
   * systems (webhook `Idempotency-Key`, mail Message-ID) so a repeated attempt is recognised there.
   */
  idempotencyKey: string;
  agencyId: string | null;
  /** Aborted when this worker loses the lease (another worker may now run the job) or is stopping. */
  signal: AbortSignal;
  /** Extends the lease now; the worker already does so every leaseMs / 3. Throws LeaseLostError if lost. */
  heartbeat(): Promise<void>;
  /**
   * Runs `work` in one transaction that also marks the job done (with `work`'s value as result),
   * fenced by the lease: if another worker has taken the job over, everything rolls back and
   * LeaseLostError is thrown. Use it when the job's effect is rows in this database, so the effect
   * commits exactly once however workers die or stall; then return `{ kind: 'done' }`.
   * Inside `work` use `trx` only: on SQLite the database's one connection is held by the transaction.
   */
  completeWith<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
}

export type JobHandler<N extends JobNameOf<P>, P extends object = JobPayloads> = (payload: P[N], ctx: JobContext) => Promise<JobOutcome>;

/** One registry entry; the union over names ties each name to a handler of its own payload. */
export type JobEntry<P extends object = JobPayloads> = { [N in JobNameOf<P>]: readonly [N, JobHandler<N, P>] }[JobNameOf<P>];

/** A handler once its name is no longer known statically; payloads come back from JSON. */
export type AnyJobHandler = (payload: never, ctx: JobContext) => Promise<JobOutcome>;

/** A job as the API and the UI show it. Times are epoch milliseconds. */
export interface JobView {
  id: string;
  name: string;
  state: JobState;
  /** null for instance-wide jobs (housekeeping). */
  agencyId: string | null;
  /** Higher runs first. */
  priority: number;
  /** Not claimed before this time. */
  runAt: number;
  attempts: number;
  maxAttempts: number;
  idempotencyKey: string | null;
  lastError: string | null;
  result: unknown;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** The worker that holds the lease, or last held it once the job has left `running`. */
  leaseOwner: string | null;
  /** Set only while running. */
  leaseExpiresAt: number | null;
  payload: unknown;
}
