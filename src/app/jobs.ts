/**
 * Every job handler, in one table, so startup can check that each declared job name has exactly
 * one handler (createJobRegistry throws otherwise).
 */
import { createJobRegistry } from '../adapters/queue/job-registry.ts';
import type { JobContext, JobOutcome } from '../adapters/queue/job-types.ts';
import { ScreenshotRenderer } from '../adapters/browser/screenshot.ts';
import { listAllBlobs } from '../domains/blob/blob.repository.ts';
import { formatBlobHash } from '../domains/blob/blob.model.ts';
import { dueSources } from '../domains/intake/source.repository.ts';
import { agenciesWithCustody } from '../domains/custody/custody.repository.ts';
import { referralOfDispatch } from '../domains/referral/referral.repository.ts';
import { ORDER_COPY_MAX_ATTEMPTS } from '../domains/order/order.service.ts';
import type { Platform } from './platform.ts';

export const SESSION_PURGE_INTERVAL_MS = 15 * 60 * 1000;
export const BLOB_VERIFY_INTERVAL_MS = 24 * 60 * 60 * 1000;
export const WATCH_TICK_INTERVAL_MS = 60 * 1000;
export const CUSTODY_CHECKPOINT_INTERVAL_MS = 10 * 60 * 1000;
/** Due sources one tick hands out; the rest wait a minute. */
export const WATCH_TICK_BATCH = 100;

function systemServices(platform: Platform, ctx: JobContext, actor: string) {
  if (!ctx.agencyId) throw new Error(`job ${ctx.name} ${ctx.jobId} has no agency`);
  return platform.agencyServices(ctx.agencyId, { agencyId: ctx.agencyId, userId: null, actor, clientIp: null, requestId: ctx.jobId });
}

export function buildJobRegistry(platform: Platform) {
  let renderer: ScreenshotRenderer | null = null;
  const fetchResource = async (url: string, init: { signal?: AbortSignal }) => {
    const r = await platform.fetcher.fetch(url, init.signal ? { signal: init.signal } : {});
    const headers: Record<string, string> = {};
    for (const [k, v] of r.headers) {
      const key = k.toLowerCase();
      headers[key] = headers[key] !== undefined ? `${headers[key]}\n${v}` : v;
    }
    return { status: r.status, headers, body: r.body };
  };

  const registry = createJobRegistry([
    [
      'session.purge',
      async (): Promise<JobOutcome> => {
        const removed = await platform.auth.purgeExpiredSessions();
        return { kind: 'done', result: { removed } };
      },
    ],
    [
      'blob.verify',
      async (_payload, ctx): Promise<JobOutcome> => {
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
    [
      'capture.fetch',
      async (payload, ctx): Promise<JobOutcome> => {
        const capture = await systemServices(platform, ctx, 'system:capture').capture().capture(payload.itemId, ctx.signal);
        if (!capture) return { kind: 'skipped', reason: `item ${payload.itemId} not found` };
        return { kind: 'done', result: { captureId: capture.id, state: capture.state, errorCode: capture.errorCode } };
      },
    ],
    [
      'capture.screenshot',
      async (payload, ctx): Promise<JobOutcome> => {
        renderer ??= new ScreenshotRenderer({ fetchResource, clock: platform.clock });
        const shot = await systemServices(platform, ctx, 'system:screenshot').capture().screenshot(payload.captureId, renderer);
        return shot ? { kind: 'done', result: { screenshotId: shot.id, sha256: shot.sha256 } } : { kind: 'skipped', reason: 'capture has no page to render' };
      },
    ],
    [
      'watch.tick',
      async (): Promise<JobOutcome> => {
        const due = await dueSources(platform.db, platform.clock.now(), WATCH_TICK_BATCH);
        for (const d of due) {
          await platform.queue.enqueue('watch.run', { sourceId: d.sourceId }, { agencyId: d.agencyId, idempotencyKey: `watch.run:${d.sourceId}:${d.nextRunAt}` });
        }
        return { kind: 'done', result: { enqueued: due.length } };
      },
    ],
    [
      'watch.run',
      async (payload, ctx): Promise<JobOutcome> => {
        const run = await systemServices(platform, ctx, 'system:watch').sources().run(payload.sourceId);
        return run ? { kind: 'done', result: { status: run.status, seen: run.seen, newItems: run.newItems } } : { kind: 'skipped', reason: 'source paused or removed' };
      },
    ],
    [
      'custody.checkpoint',
      async (): Promise<JobOutcome> => {
        let signed = 0;
        for (const agencyId of await agenciesWithCustody(platform.db)) {
          const svc = platform.agencyServices(agencyId, { agencyId, userId: null, actor: 'system:custody', clientIp: null, requestId: null }).custody();
          if (await svc.checkpoint()) signed++;
        }
        return { kind: 'done', result: { signed } };
      },
    ],
    [
      'dispatch.send',
      async (payload, ctx): Promise<JobOutcome> => {
        const r = await systemServices(platform, ctx, 'system:dispatch').dispatches().send(payload.dispatchId, ctx.signal);
        if (r.next === 'skipped') return { kind: 'skipped', reason: r.reason };
        // The dispatch keeps its own schedule (DISPATCH_BACKOFF_MS), not the queue's default backoff.
        if (r.next === 'retry') return { kind: 'retry', reason: r.reason, ...(r.delayMs !== undefined ? { delayMs: r.delayMs } : {}) };
        // A delivered referral moves on to `delivered` (its portal dispatch already did so when sent).
        const referral = r.reason === 'delivered' ? await referralOfDispatch(platform.db, payload.dispatchId) : null;
        if (referral?.deliveredAt != null) await systemServices(platform, ctx, 'system:dispatch').referrals().markDelivered(referral.referralId, referral.deliveredAt);
        return { kind: 'done', result: { state: r.reason } };
      },
    ],
    [
      'referral.remind',
      async (payload, ctx): Promise<JobOutcome> => {
        const r = await systemServices(platform, ctx, 'system:referral').referrals().remind(payload.referralId);
        return r.next === 'skipped' ? { kind: 'skipped', reason: r.reason } : { kind: 'done', result: { reminded: r.reason } };
      },
    ],
    [
      'order.clock',
      async (payload, ctx): Promise<JobOutcome> => {
        const r = await systemServices(platform, ctx, 'system:order-clock').orders().watchClock(payload.orderId);
        return r.recorded.length ? { kind: 'done', result: r } : { kind: 'skipped', reason: 'nothing due: executed, suspended, ended, or already recorded' };
      },
    ],
    [
      'order.copy',
      async (payload, ctx): Promise<JobOutcome> => {
        const r = await systemServices(platform, ctx, 'system:order-copy').orders().sendCopy(payload.orderId, { final: ctx.attempt >= ORDER_COPY_MAX_ATTEMPTS });
        if (r.next === 'skipped') return { kind: 'skipped', reason: r.reason };
        return r.next === 'retry' ? { kind: 'retry', reason: r.reason } : { kind: 'done', result: { sent: r.reason } };
      },
    ],
  ]);
  return { registry, close: async () => renderer?.close() };
}

/** Recurring housekeeping, registered at every start (idempotent). */
export async function registerRecurringJobs(platform: Platform): Promise<void> {
  await platform.queue.ensureRecurring('session.purge', SESSION_PURGE_INTERVAL_MS, {});
  await platform.queue.ensureRecurring('blob.verify', BLOB_VERIFY_INTERVAL_MS, {});
  await platform.queue.ensureRecurring('watch.tick', WATCH_TICK_INTERVAL_MS, {});
  await platform.queue.ensureRecurring('custody.checkpoint', CUSTODY_CHECKPOINT_INTERVAL_MS, {});
}
