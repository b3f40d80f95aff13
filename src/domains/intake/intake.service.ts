/**
 * Taking items in: one URL, a bulk list, or an uploaded file. Every new item gets a `capture.fetch`
 * job; a URL the agency already has is reported as a duplicate and changes nothing.
 */
import { Readable } from 'node:stream';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { BlobService } from '../blob/blob.service.ts';
import type { JobQueue } from '../../adapters/queue/job-queue.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { normaliseUrl } from './url.model.ts';
import { parseBulkList, type BulkFormat } from './bulk-list.ts';
import { fileItemUrl, type Item, type ItemOrigin } from './intake.model.ts';
import type { IntakeRepository, NewItem } from './intake.repository.ts';
import type { CustodyLog } from '../custody/custody.service.ts';

export interface IntakeDeps {
  items: IntakeRepository;
  blobs: BlobService;
  queue: JobQueue;
  audit: AuditLog;
  custody: CustodyLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
}

export type BulkOutcome = 'accepted' | 'duplicate' | 'rejected';

export interface BulkLineReport {
  line: number;
  input: string;
  outcome: BulkOutcome;
  url: string | null;
  itemId: string | null;
  code: string | null;
  reason: string | null;
}

export interface BulkReport {
  accepted: number;
  duplicate: number;
  rejected: number;
  lines: BulkLineReport[];
}

/** Bulk lists are checked against the database in batches of this many lines. */
export const BULK_BATCH_SIZE = 1000;
/** Capture jobs enqueued at once; below PostgreSQL's default pool of 10, so other requests still get a connection. */
export const CAPTURE_ENQUEUE_CONCURRENCY = 8;

/**
 * A multipart parser (busboy) ends a file stream quietly when the file reaches its size limit,
 * setting `truncated`, as if the file were complete. Make that an error of the stream the blob
 * store reads, so the cut-off bytes are never stored as though they were the whole file. Pulled
 * lazily, so the error reaches the store's own listener rather than nobody.
 */
function failWhenCutShort(body: Readable): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of body.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
      if ((body as Readable & { truncated?: boolean }).truncated) throw new VigilError('VIGIL_BLOB_TOO_LARGE', 'The file is larger than the upload limit; nothing was stored.');
    })(),
    { objectMode: false },
  );
}

export function createIntakeService(deps: IntakeDeps) {
  const { items, clock, ids } = deps;

  function newUrlItem(url: string, submittedUrl: string, host: string, platform: string | null, origin: ItemOrigin, extra: Partial<NewItem> = {}): NewItem {
    return {
      id: ids.next(),
      kind: 'url',
      url,
      submittedUrl,
      host,
      platform,
      origin,
      parentItemId: null,
      sourceId: null,
      state: 'queued',
      createdAt: clock.now(),
      createdBy: deps.actor.userId,
      ...extra,
    };
  }

  async function scheduleCapture(itemIds: string[]): Promise<void> {
    // A few enqueues in flight at once: one by one, a 100,000-line list spends most of its time
    // waiting on PostgreSQL round trips (SQLite runs them one after another either way).
    for (let i = 0; i < itemIds.length; i += CAPTURE_ENQUEUE_CONCURRENCY) {
      await Promise.all(
        itemIds.slice(i, i + CAPTURE_ENQUEUE_CONCURRENCY).map((itemId) => deps.queue.enqueue('capture.fetch', { itemId }, { agencyId: items.agencyId, idempotencyKey: `capture.fetch:${itemId}:${ids.next()}` })),
      );
    }
  }

  return {
    /** One URL. Returns the item and whether it was new. */
    async submitUrl(input: string, origin: ItemOrigin, extra: Partial<NewItem> = {}): Promise<{ item: Item; created: boolean }> {
      const n = normaliseUrl(input);
      if (!n.ok) throw new VigilError('VIGIL_URL_INVALID', `${n.reason} (${n.code}).`, { code: n.code });
      const existing = await items.findByUrl(n.url);
      if (existing) return { item: existing, created: false };
      const [inserted] = await items.insertItems([newUrlItem(n.url, input.trim(), n.host, n.platform, origin, extra)]);
      if (!inserted) {
        const raced = await items.findByUrl(n.url);
        if (raced) return { item: raced, created: false };
        throw new Error('item neither inserted nor found');
      }
      await deps.audit.record({ action: 'item.create', targetType: 'item', targetId: inserted.id, detail: { url: n.url, origin } });
      await scheduleCapture([inserted.id]);
      const item = await items.getItem(inserted.id);
      if (!item) throw new Error('item vanished after insert');
      return { item, created: true };
    },

    /**
     * A bulk list, streamed: parsed, normalised and deduplicated (against itself and the agency's
     * items) in batches, so 100,000 lines never sit in memory as items at once. One bad line never
     * stops the rest; each line gets its own outcome.
     */
    async submitBulk(input: AsyncIterable<Buffer | string>, format: BulkFormat, onProgress?: (linesDone: number) => void): Promise<BulkReport> {
      const report: BulkReport = { accepted: 0, duplicate: 0, rejected: 0, lines: [] };
      const seen = new Set<string>();
      let batch: { line: number; raw: string; url: string; host: string; platform: string | null }[] = [];

      const flush = async () => {
        if (batch.length === 0) return;
        const existing = await items.existingUrls(batch.map((b) => b.url));
        const fresh = batch.filter((b) => !existing.has(b.url));
        const inserted = await items.insertItems(fresh.map((b) => newUrlItem(b.url, b.raw, b.host, b.platform, 'bulk')));
        const byUrl = new Map(inserted.map((i) => [i.url, i.id]));
        for (const b of batch) {
          const id = byUrl.get(b.url) ?? null;
          report.lines.push({ line: b.line, input: b.raw, outcome: id ? 'accepted' : 'duplicate', url: b.url, itemId: id, code: id ? null : 'VIGIL_ITEM_DUPLICATE', reason: id ? null : 'the agency already has this URL' });
          if (id) report.accepted++;
          else report.duplicate++;
        }
        await scheduleCapture(inserted.map((i) => i.id));
        batch = [];
      };

      for await (const l of parseBulkList(input, format)) {
        if (l.error || l.url === null) {
          report.rejected++;
          report.lines.push({ line: l.line, input: l.raw, outcome: 'rejected', url: null, itemId: null, code: l.error?.code ?? 'VIGIL_BULK_ROW_INVALID', reason: l.error?.reason ?? 'no URL on this line' });
          continue;
        }
        const n = normaliseUrl(l.url);
        if (!n.ok) {
          report.rejected++;
          report.lines.push({ line: l.line, input: l.raw, outcome: 'rejected', url: null, itemId: null, code: n.code, reason: n.reason });
          continue;
        }
        if (seen.has(n.url)) {
          report.duplicate++;
          report.lines.push({ line: l.line, input: l.raw, outcome: 'duplicate', url: n.url, itemId: null, code: 'VIGIL_ITEM_DUPLICATE', reason: 'the same URL appears earlier in this list' });
          continue;
        }
        seen.add(n.url);
        batch.push({ line: l.line, raw: l.raw, url: n.url, host: n.host, platform: n.platform });
        if (batch.length >= BULK_BATCH_SIZE) {
          await flush();
          onProgress?.(l.line);
        }
      }
      await flush();
      report.lines.sort((a, b) => a.line - b.line);
      await deps.audit.record({ action: 'item.bulk_intake', detail: { accepted: report.accepted, duplicate: report.duplicate, rejected: report.rejected, format } });
      return report;
    },

    /** An uploaded file becomes an item of kind `file`, addressed by its SHA-256. */
    async submitFile(body: Readable, filename: string, mediaType: string | null): Promise<{ item: Item; created: boolean }> {
      const blob = await deps.blobs.put(failWhenCutShort(body), mediaType, deps.actor.userId);
      const hex = blob.hash.slice('sha256:'.length);
      const url = fileItemUrl(hex);
      const existing = await items.findByUrl(url);
      if (existing) return { item: existing, created: false };
      const id = ids.next();
      await items.insertItems([{ id, kind: 'file', url, submittedUrl: filename, host: null, platform: null, origin: 'api', parentItemId: null, sourceId: null, state: 'queued', createdAt: clock.now(), createdBy: deps.actor.userId }]);
      await deps.custody.append({ kind: 'blob.stored', subject: { type: 'item', id }, data: { sha256: hex, size: blob.size, filename, mediaType } });
      await deps.audit.record({ action: 'item.create', targetType: 'item', targetId: id, detail: { url, filename, size: blob.size } });
      await scheduleCapture([id]);
      const item = await items.getItem(id);
      if (!item) throw new Error('item vanished after insert');
      return { item, created: true };
    },

    /** Captures an item again; earlier captures stay. */
    async recapture(itemId: string): Promise<Item> {
      const item = await items.getItem(itemId);
      if (!item) throw new VigilError('VIGIL_NOT_FOUND', `No item ${itemId}.`);
      await scheduleCapture([itemId]);
      await deps.audit.record({ action: 'item.recapture', targetType: 'item', targetId: itemId });
      return item;
    },
  };
}

export type IntakeService = ReturnType<typeof createIntakeService>;
