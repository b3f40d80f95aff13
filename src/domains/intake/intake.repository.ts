/** Items and captures of one agency. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CaptureTable, Database, ItemTable } from '../../adapters/db/schema.ts';
import type { Item, ItemKind, ItemOrigin, ItemState } from './intake.model.ts';
import type { Capture, CaptureState } from './capture.model.ts';

export function toItem(r: Selectable<ItemTable>): Item {
  return {
    id: r.item_id,
    agencyId: r.agency_id,
    kind: r.kind as ItemKind,
    url: r.url,
    submittedUrl: r.submitted_url,
    host: r.host,
    platform: r.platform,
    origin: r.origin as ItemOrigin,
    parentItemId: r.parent_item_id,
    sourceId: r.source_id,
    state: r.state as ItemState,
    captureCount: r.capture_count,
    lastCapturedAt: r.last_captured_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    createdBy: r.created_by,
    priority: r.priority,
  };
}

export function toCapture(r: Selectable<CaptureTable>): Capture {
  return {
    id: r.capture_id,
    agencyId: r.agency_id,
    itemId: r.item_id,
    state: r.state as CaptureState,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    httpStatus: r.http_status,
    finalUrl: r.final_url,
    resolvedIp: r.resolved_ip,
    via: r.via,
    redirects: JSON.parse(r.redirects),
    headers: JSON.parse(r.headers),
    tls: r.tls ? JSON.parse(r.tls) : null,
    timings: JSON.parse(r.timings),
    fetcherVersion: r.fetcher_version,
    bodySha256: r.body_sha256,
    bodySize: r.body_size,
    warcSha256: r.warc_sha256,
    declaredType: r.declared_type,
    sniffedType: r.sniffed_type,
    title: r.title,
    languageHint: r.language_hint,
    language: r.language,
    languageConfidence: r.language_confidence,
    textSha256: r.text_sha256,
    outlinkCount: r.outlink_count,
    childItemCount: r.child_item_count,
  };
}

export interface ItemListQuery {
  state?: ItemState;
  origin?: ItemOrigin;
  host?: string;
  sourceId?: string;
  parentItemId?: string;
  before?: string;
  limit: number;
}

export interface StoredScreenshot {
  id: string;
  captureId: string;
  sha256: string;
  width: number;
  height: number;
  finalUrl: string;
  requests: { url: string; status: number | null; blocked: string | null }[];
  renderedAt: number;
}

export type NewItem = Omit<Item, 'agencyId' | 'captureCount' | 'lastCapturedAt' | 'lastError' | 'priority'>;

export function createIntakeRepository(db: Kysely<Database> | Transaction<Database>, agencyId: string) {
  const items = () => db.selectFrom('item').selectAll().where('agency_id', '=', agencyId);
  return {
    agencyId,
    async getItem(itemId: string): Promise<Item | null> {
      const r = await items().where('item_id', '=', itemId).executeTakeFirst();
      return r ? toItem(r) : null;
    },
    async findByUrl(url: string): Promise<Item | null> {
      const r = await items().where('url', '=', url).executeTakeFirst();
      return r ? toItem(r) : null;
    },
    async existingUrls(urls: string[]): Promise<Set<string>> {
      const out = new Set<string>();
      for (let i = 0; i < urls.length; i += 500) {
        const rows = await db.selectFrom('item').select('url').where('agency_id', '=', agencyId).where('url', 'in', urls.slice(i, i + 500)).execute();
        for (const r of rows) out.add(r.url);
      }
      return out;
    },
    /** Inserts items whose URL is new for the agency; returns the ones actually inserted. */
    async insertItems(list: NewItem[]): Promise<NewItem[]> {
      const inserted: NewItem[] = [];
      for (let i = 0; i < list.length; i += 200) {
        const chunk = list.slice(i, i + 200);
        const res = await db
          .insertInto('item')
          .values(
            chunk.map((it) => ({
              item_id: it.id,
              agency_id: agencyId,
              kind: it.kind,
              url: it.url,
              submitted_url: it.submittedUrl,
              host: it.host,
              platform: it.platform,
              origin: it.origin,
              parent_item_id: it.parentItemId,
              source_id: it.sourceId,
              state: it.state,
              capture_count: 0,
              last_captured_at: null,
              last_error: null,
              created_at: it.createdAt,
              created_by: it.createdBy,
              priority: 0,
            })),
          )
          .onConflict((oc) => oc.columns(['agency_id', 'url']).doNothing())
          .returning('item_id')
          .execute();
        const ids = new Set(res.map((r) => r.item_id));
        for (const it of chunk) if (ids.has(it.id)) inserted.push(it);
      }
      return inserted;
    },
    async listItems(q: ItemListQuery): Promise<Item[]> {
      let s = items();
      if (q.state) s = s.where('state', '=', q.state);
      if (q.origin) s = s.where('origin', '=', q.origin);
      if (q.host) s = s.where('host', '=', q.host);
      if (q.sourceId) s = s.where('source_id', '=', q.sourceId);
      if (q.parentItemId) s = s.where('parent_item_id', '=', q.parentItemId);
      if (q.before) s = s.where('item_id', '<', q.before);
      return (await s.orderBy('item_id', 'desc').limit(q.limit).execute()).map(toItem);
    },
    async countItems(): Promise<number> {
      const r = await db.selectFrom('item').select((eb) => eb.fn.countAll().as('n')).where('agency_id', '=', agencyId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async markItem(itemId: string, patch: { state: ItemState; lastError: string | null; capturedAt: number | null }): Promise<void> {
      await db
        .updateTable('item')
        .set((eb) => ({
          state: patch.state,
          last_error: patch.lastError,
          ...(patch.capturedAt !== null ? { last_captured_at: patch.capturedAt, capture_count: eb('capture_count', '+', 1) } : {}),
        }))
        .where('agency_id', '=', agencyId)
        .where('item_id', '=', itemId)
        .execute();
    },
    /** Raises an item's priority to at least `priority` (never lowers it). */
    async raisePriority(itemId: string, priority: number): Promise<void> {
      await db.updateTable('item').set({ priority }).where('agency_id', '=', agencyId).where('item_id', '=', itemId).where('priority', '<', priority).execute();
    },
    async insertCapture(c: Capture): Promise<void> {
      await db
        .insertInto('capture')
        .values({
          capture_id: c.id,
          agency_id: agencyId,
          item_id: c.itemId,
          state: c.state,
          started_at: c.startedAt,
          finished_at: c.finishedAt,
          error_code: c.errorCode,
          error_message: c.errorMessage,
          http_status: c.httpStatus,
          final_url: c.finalUrl,
          resolved_ip: c.resolvedIp,
          via: c.via,
          redirects: JSON.stringify(c.redirects),
          headers: JSON.stringify(c.headers),
          tls: c.tls ? JSON.stringify(c.tls) : null,
          timings: JSON.stringify(c.timings),
          fetcher_version: c.fetcherVersion,
          body_sha256: c.bodySha256,
          body_size: c.bodySize,
          warc_sha256: c.warcSha256,
          declared_type: c.declaredType,
          sniffed_type: c.sniffedType,
          title: c.title,
          language_hint: c.languageHint,
          language: c.language,
          language_confidence: c.languageConfidence,
          text_sha256: c.textSha256,
          outlink_count: c.outlinkCount,
          child_item_count: c.childItemCount,
        })
        .execute();
    },
    async getCapture(captureId: string): Promise<Capture | null> {
      const r = await db.selectFrom('capture').selectAll().where('agency_id', '=', agencyId).where('capture_id', '=', captureId).executeTakeFirst();
      return r ? toCapture(r) : null;
    },
    async insertScreenshot(sc: StoredScreenshot): Promise<void> {
      await db
        .insertInto('screenshot')
        .values({ screenshot_id: sc.id, agency_id: agencyId, capture_id: sc.captureId, sha256: sc.sha256, width: sc.width, height: sc.height, final_url: sc.finalUrl, requests: JSON.stringify(sc.requests), rendered_at: sc.renderedAt })
        .execute();
    },
    async screenshotsOf(captureIds: string[]): Promise<StoredScreenshot[]> {
      if (captureIds.length === 0) return [];
      const rows = await db.selectFrom('screenshot').selectAll().where('agency_id', '=', agencyId).where('capture_id', 'in', captureIds).orderBy('rendered_at').execute();
      return rows.map((r) => ({ id: r.screenshot_id, captureId: r.capture_id, sha256: r.sha256, width: r.width, height: r.height, finalUrl: r.final_url, requests: JSON.parse(r.requests), renderedAt: r.rendered_at }));
    },
    async capturesOf(itemId: string): Promise<Capture[]> {
      const rows = await db.selectFrom('capture').selectAll().where('agency_id', '=', agencyId).where('item_id', '=', itemId).orderBy('started_at').orderBy('capture_id').execute();
      return rows.map(toCapture);
    },
  };
}

export type IntakeRepository = ReturnType<typeof createIntakeRepository>;
