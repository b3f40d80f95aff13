/**
 * Every job handler, in one table, so startup can check that each declared job name has exactly
 * one handler (createJobRegistry throws otherwise).
 */
import { createJobRegistry } from '../adapters/queue/job-registry.ts';
import type { JobOutcome } from '../adapters/queue/job-types.ts';
import { listAllBlobs } from '../domains/blob/blob.repository.ts';
import { formatBlobHash } from '../domains/blob/blob.model.ts';
import type { Platform } from './platform.ts';

export const SESSION_PURGE_INTERVAL_MS = 15 * 60 * 1000;
export const BLOB_VERIFY_INTERVAL_MS = 24 * 60 * 60 * 1000;

export function buildJobRegistry(platform: Platform) {
  return createJobRegistry([
    [
      'session.purge',
      async (): Promise<JobOutcome> => {
        const removed = await platform.auth.purgeExpiredSessions();
        return { kind: 'done', result: { removed } };
      },
    ],
    [
      'blob.verify',
      async (_payload: unknown, ctx: { signal: AbortSignal }): Promise<JobOutcome> => {
        const rows = await listAllBlobs(platform.db);
        const bad: { hash: string; problem: string | undefined }[] = [];
        for (const r of rows) {
          if (ctx.signal.aborted) return { kind: 'retry', reason: 'worker stopping' };
          const c = await platform.store.check(r.sha256, r.size);
          if (!c.ok) bad.push({ hash: formatBlobHash(r.sha256), problem: c.problem });
        }
        await platform.systemScope('system:blob.verify', null).audit.record({ action: 'blob.verify', detail: { checked: rows.length, problems: bad } });
        return { kind: 'done', result: { checked: rows.length, problems: bad.length } };
      },
    ],
  ]);
}

/** Recurring housekeeping, registered at every start (idempotent). */
export async function registerRecurringJobs(platform: Platform): Promise<void> {
  await platform.queue.ensureRecurring('session.purge', SESSION_PURGE_INTERVAL_MS, {});
  await platform.queue.ensureRecurring('blob.verify', BLOB_VERIFY_INTERVAL_MS, {});
}
