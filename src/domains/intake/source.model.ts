/** Watched sources: places an agency checks on a schedule for new items. Pure. */

export const SOURCE_KINDS = ['feed', 'page', 'telegram'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface WatchedSource {
  id: string;
  agencyId: string;
  kind: SourceKind;
  url: string;
  label: string;
  intervalMs: number;
  paused: boolean;
  nextRunAt: number;
  lastRunAt: number | null;
  lastStatus: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  itemsFound: number;
  createdAt: number;
}

export const SOURCE_MIN_INTERVAL_MS = 5 * 60 * 1000;
export const SOURCE_MAX_INTERVAL_MS = 7 * 24 * 60 * 60 * 1000;
export const SOURCE_BACKOFF_MAX_MS = 24 * 60 * 60 * 1000;
/** New items one run may take in; the rest wait for the next run. */
export const SOURCE_MAX_NEW_ITEMS_PER_RUN = 200;

/**
 * When to run next: on schedule after a success; after failures, double the interval per
 * consecutive failure up to a cap, so a source that is down is not hammered.
 */
export function nextSourceRun(now: number, intervalMs: number, consecutiveFailures: number): number {
  if (consecutiveFailures <= 0) return now + intervalMs;
  const backoff = intervalMs * 2 ** Math.min(consecutiveFailures, 20);
  return now + Math.min(backoff, Math.max(SOURCE_BACKOFF_MAX_MS, intervalMs));
}

/**
 * A Telegram public channel preview is `https://t.me/s/NAME`; anything else is refused for kind
 * telegram. Usernames are case-insensitive on Telegram, so the name is lower-cased (one source per channel).
 */
export function telegramPreviewUrl(url: string): string | null {
  const m = /^https:\/\/t\.me\/s\/([A-Za-z0-9_]{3,64})\/?$/.exec(url);
  return m ? `https://t.me/s/${m[1]!.toLowerCase()}` : null;
}
