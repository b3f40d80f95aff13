/** Job states and the retry rule. Pure, so the backoff is tested without a database. */

export const JOB_STATES = ['queued', 'running', 'done', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOB_DEFAULT_MAX_ATTEMPTS = 5;
export const JOB_BACKOFF_BASE_MS = 2_000;
export const JOB_BACKOFF_MAX_MS = 60 * 60 * 1000;

/** Delay before attempt `attempts + 1`: exponential from the base, capped. */
export function retryDelayMs(attempts: number, baseMs = JOB_BACKOFF_BASE_MS, maxMs = JOB_BACKOFF_MAX_MS): number {
  const exp = Math.max(0, attempts - 1);
  return Math.min(maxMs, baseMs * 2 ** Math.min(exp, 30));
}
