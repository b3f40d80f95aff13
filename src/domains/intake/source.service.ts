/**
 * Watched sources: registering them, and one run — fetch, parse, take in what is new, record what
 * was seen, schedule the next run (backing off after failures).
 */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { FetchError, type SafeFetcher } from '../../adapters/fetch/safe-fetch.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { extractHtml } from './html-extract.ts';
import { newOutlinks, parseFeed, parseTelegramPreview, SourceParseError } from './source-parsers.ts';
import { nextSourceRun, SOURCE_MAX_INTERVAL_MS, SOURCE_MAX_NEW_ITEMS_PER_RUN, SOURCE_MIN_INTERVAL_MS, telegramPreviewUrl, type SourceKind, type WatchedSource } from './source.model.ts';
import type { SourceRepository, SourceRun } from './source.repository.ts';
import type { IntakeService } from './intake.service.ts';
import { normaliseUrl } from './url.model.ts';

export interface SourceServiceDeps {
  sources: SourceRepository;
  intake: IntakeService;
  fetcher: SafeFetcher;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
}

export function createSourceService(deps: SourceServiceDeps) {
  const { sources, clock, ids } = deps;

  async function mustGet(sourceId: string): Promise<WatchedSource> {
    const s = await sources.get(sourceId);
    if (!s) throw new VigilError('VIGIL_NOT_FOUND', `No watched source ${sourceId}.`);
    return s;
  }

  /** The URLs one fetch of the source shows, in the order the source lists them. */
  async function discover(source: WatchedSource): Promise<string[]> {
    const res = await deps.fetcher.fetch(source.url);
    if (res.status >= 400) throw new FetchError('VIGIL_FETCH_CONNECTION', `${source.url} answered HTTP ${res.status}`);
    const text = res.body.toString('utf8');
    if (source.kind === 'feed') {
      const feed = parseFeed(text, res.finalUrl);
      return feed.entries.flatMap((e) => [...(e.url ? [e.url] : []), ...e.mediaUrls]);
    }
    if (source.kind === 'telegram') {
      const preview = parseTelegramPreview(text, res.finalUrl);
      return preview.posts.map((p) => p.postUrl);
    }
    return extractHtml(text, res.finalUrl).outlinks;
  }

  return {
    list: () => sources.list(),
    get: mustGet,
    runs: (sourceId: string, limit = 20) => mustGet(sourceId).then(() => sources.runs(sourceId, limit)),

    async create(input: { kind: SourceKind; url: string; label?: string; intervalMinutes: number }, createdBy: string | null): Promise<WatchedSource> {
      const n = normaliseUrl(input.url);
      if (!n.ok) throw new VigilError('VIGIL_URL_INVALID', `${n.reason} (${n.code}).`);
      // Channel previews are a different page from the channel's posts; normalisation must not fold them.
      const url = input.kind === 'telegram' ? telegramPreviewUrl(input.url.trim()) : n.url;
      if (!url) throw new VigilError('VIGIL_SOURCE_INVALID', 'A Telegram source is a public channel preview: https://t.me/s/NAME.');
      const intervalMs = input.intervalMinutes * 60_000;
      if (intervalMs < SOURCE_MIN_INTERVAL_MS || intervalMs > SOURCE_MAX_INTERVAL_MS) {
        throw new VigilError('VIGIL_SOURCE_INVALID', `The interval must be from ${SOURCE_MIN_INTERVAL_MS / 60_000} minutes to ${SOURCE_MAX_INTERVAL_MS / 86_400_000} days.`);
      }
      if (await sources.findByUrl(url)) throw new VigilError('VIGIL_CONFLICT', `The agency already watches ${url}.`);
      const now = clock.now();
      const source: WatchedSource = { id: ids.next(), agencyId: sources.agencyId, kind: input.kind, url, label: input.label?.trim() || url, intervalMs, paused: false, nextRunAt: now, lastRunAt: null, lastStatus: null, lastError: null, consecutiveFailures: 0, itemsFound: 0, createdAt: now };
      await sources.insert(source, createdBy);
      await deps.audit.record({ action: 'source.create', targetType: 'source', targetId: source.id, detail: { kind: source.kind, url, intervalMs } });
      return source;
    },

    async setPaused(sourceId: string, paused: boolean): Promise<WatchedSource> {
      const s = await mustGet(sourceId);
      await sources.update(sourceId, { paused, ...(paused ? {} : { nextRunAt: Math.min(s.nextRunAt, clock.now()) }) });
      await deps.audit.record({ action: paused ? 'source.pause' : 'source.resume', targetType: 'source', targetId: sourceId });
      return mustGet(sourceId);
    },

    /** One run. Never throws for the source's own failures: they are recorded and back off. */
    async run(sourceId: string): Promise<SourceRun | null> {
      const source = await sources.get(sourceId);
      if (!source || source.paused) return null;
      const startedAt = clock.now();
      let urls: string[];
      try {
        urls = await discover(source);
      } catch (e) {
        if (!(e instanceof FetchError || e instanceof SourceParseError)) throw e;
        const failures = source.consecutiveFailures + 1;
        const run: SourceRun = { id: ids.next(), sourceId, startedAt, finishedAt: clock.now(), status: 'failed', error: `${e instanceof FetchError ? e.code : 'VIGIL_SOURCE_UNPARSEABLE'}: ${e.message}`, seen: 0, newItems: 0, seenUrls: [] };
        await sources.recordRun(run, { nextRunAt: nextSourceRun(clock.now(), source.intervalMs, failures), consecutiveFailures: failures });
        return run;
      }
      const previous = (await sources.lastSeen(sourceId)) ?? [];
      // Pages are judged by their new out-links; feeds and channels list items, each taken in once.
      const candidates = source.kind === 'page' ? newOutlinks(previous, urls) : urls;
      let newItems = 0;
      let reached = 0;
      for (const url of candidates) {
        if (newItems >= SOURCE_MAX_NEW_ITEMS_PER_RUN) break;
        reached++;
        try {
          const r = await deps.intake.submitUrl(url, 'watch', { sourceId });
          if (r.created) newItems++;
        } catch (e) {
          if (!(e instanceof VigilError)) throw e;
        }
      }
      // Candidates left over by the cap are not remembered as seen: a page's next run judges by
      // what was seen before, and would otherwise never take them in.
      const leftOver = new Set(candidates.slice(reached));
      const seenUrls = leftOver.size > 0 ? urls.filter((u) => !leftOver.has(u)) : urls;
      const run: SourceRun = { id: ids.next(), sourceId, startedAt, finishedAt: clock.now(), status: 'ok', error: null, seen: urls.length, newItems, seenUrls };
      await sources.recordRun(run, { nextRunAt: nextSourceRun(clock.now(), source.intervalMs, 0), consecutiveFailures: 0 });
      return run;
    },
  };
}

export type SourceService = ReturnType<typeof createSourceService>;
