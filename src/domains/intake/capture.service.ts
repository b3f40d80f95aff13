/**
 * Capturing one item: a pipeline of small steps (fetch → store body → WARC → extract → children →
 * record → custody), each a plain function of the previous step's result. A failed fetch is itself
 * evidence: it is recorded as a failed capture with its error code, and the job ends.
 */
import { Readable } from 'node:stream';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { BlobService } from '../blob/blob.service.ts';
import type { JobQueue } from '../../adapters/queue/job-queue.ts';
import { FetchError, type FetchResult, type SafeFetcher } from '../../adapters/fetch/safe-fetch.ts';
import { captureToWarcRecords, fileToWarcRecord } from '../../adapters/evidence/warc-writer.ts';
import type { FileBlobStore } from '../../adapters/blob/file-blob-store.ts';
import { captureLanguage } from '../../adapters/text/language-detect.ts';
import { extractHtml, HTML_MAX_MEDIA } from './html-extract.ts';
import type { Capture } from './capture.model.ts';
import type { Item } from './intake.model.ts';
import type { IntakeRepository, StoredScreenshot } from './intake.repository.ts';
import type { IntakeService } from './intake.service.ts';
import type { CustodyLog } from '../custody/custody.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';

/** What the screenshot step needs of a browser; the Chromium adapter fits it. */
export interface PageRenderer {
  render(url: string): Promise<{ png: Buffer; width: number; height: number; finalUrl: string; requests: { url: string; status: number | null; blocked: string | null }[]; renderedAt: number }>;
}

/** The fingerprint-and-match step (matching/match.service.ts), run on every successful capture. */
export interface CaptureMatcher {
  fingerprintAndMatch(capture: Capture, body: Uint8Array, text: string | null): Promise<unknown>;
}

export interface CaptureDeps {
  items: IntakeRepository;
  intake: IntakeService;
  blobs: BlobService;
  store: FileBlobStore;
  fetcher: SafeFetcher;
  queue: JobQueue;
  custody: CustodyLog;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  software: string;
  screenshots: boolean;
  /** Absent: captures are stored without fingerprints (tools that only fetch). */
  matcher?: CaptureMatcher;
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

function isHtml(r: { sniffedType: string | null; declaredType: string | null }): boolean {
  return HTML_TYPES.has(r.sniffedType ?? '') || (r.sniffedType === null || r.sniffedType === 'text/plain' ? HTML_TYPES.has(r.declaredType ?? '') : false);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function createCaptureService(deps: CaptureDeps) {
  const { items, clock, ids } = deps;

  async function storeBytes(itemId: string, role: 'body' | 'warc' | 'text' | 'screenshot', bytes: Uint8Array, mediaType: string | null): Promise<string> {
    const info = await deps.blobs.put(Readable.from([Buffer.from(bytes)]), mediaType, null);
    const hex = info.hash.slice('sha256:'.length);
    await deps.custody.append({ kind: 'blob.stored', subject: { type: 'item', id: itemId }, data: { role, sha256: hex, size: info.size, mediaType } });
    return hex;
  }

  /** A capture row with nothing learned yet; each path fills in what it found. */
  function emptyCapture(item: Item, startedAt: number): Capture {
    return {
      id: ids.next(),
      agencyId: items.agencyId,
      itemId: item.id,
      state: 'failed',
      startedAt,
      finishedAt: clock.now(),
      errorCode: null,
      errorMessage: null,
      httpStatus: null,
      finalUrl: null,
      resolvedIp: null,
      via: null,
      redirects: [],
      headers: [],
      tls: null,
      timings: {},
      fetcherVersion: deps.software,
      bodySha256: null,
      bodySize: null,
      warcSha256: null,
      declaredType: null,
      sniffedType: null,
      title: null,
      languageHint: null,
      language: null,
      languageConfidence: null,
      textSha256: null,
      outlinkCount: 0,
      childItemCount: 0,
    };
  }

  async function recordFailure(item: Item, startedAt: number, code: string, message: string): Promise<Capture> {
    const capture: Capture = { ...emptyCapture(item, startedAt), errorCode: code, errorMessage: message };
    await items.insertCapture(capture);
    await items.markItem(item.id, { state: item.captureCount > 0 ? item.state : 'failed', lastError: `${code}: ${message}`, capturedAt: null });
    await deps.custody.append({ kind: 'capture', subject: { type: 'item', id: item.id }, data: { captureId: capture.id, state: 'failed', url: item.url, errorCode: code, errorMessage: message } });
    return capture;
  }

  /** Page text, title and language; embedded media become child items (bounded). */
  async function enrich(item: Item, res: FetchResult): Promise<{ fields: Pick<Capture, 'title' | 'languageHint' | 'textSha256' | 'outlinkCount' | 'childItemCount'>; text: string | null }> {
    if (!isHtml(res)) return { fields: { title: null, languageHint: null, textSha256: null, outlinkCount: 0, childItemCount: 0 }, text: null };
    const page = extractHtml(res.body.toString('utf8'), res.finalUrl);
    const textSha256 = page.text ? await storeBytes(item.id, 'text', Buffer.from(page.text, 'utf8'), 'text/plain; charset=utf-8') : null;
    let children = 0;
    for (const m of page.media.slice(0, HTML_MAX_MEDIA)) {
      try {
        const r = await deps.intake.submitUrl(m.url, 'page', { parentItemId: item.id });
        if (r.created) children++;
      } catch (e) {
        // A malformed media URL on someone else's page is not a failure of this capture.
        if (!(e instanceof VigilError)) throw e;
      }
    }
    return { fields: { title: page.title, languageHint: page.languageHint, textSha256, outlinkCount: page.outlinks.length, childItemCount: children }, text: page.text || null };
  }

  async function captureUrl(item: Item, signal: AbortSignal | undefined): Promise<Capture> {
    const startedAt = clock.now();
    let res: FetchResult;
    try {
      res = await deps.fetcher.fetch(item.url, signal ? { signal } : {});
    } catch (e) {
      if (e instanceof FetchError) return recordFailure(item, startedAt, e.code, e.message);
      throw e;
    }
    const bodySha256 = await storeBytes(item.id, 'body', res.body, res.sniffedType ?? res.declaredType);
    const meta = { resolvedIp: res.resolvedIp, redirects: res.redirects, tlsCertificate: res.tlsCertificate, timings: res.timings, fetcherVersion: res.fetcherVersion, via: res.via, contentEncoding: res.contentEncoding, decoded: res.decoded };
    const warc = await captureToWarcRecords({
      url: res.url,
      finalUrl: res.finalUrl,
      capturedAt: startedAt,
      method: 'GET',
      requestHeaders: [['User-Agent', deps.software]],
      status: res.status,
      responseHeaders: res.headers,
      body: res.body,
      resolvedIp: res.resolvedIp,
      metadata: meta,
      software: deps.software,
      hops: res.redirects.map((h) => ({ url: h.url, status: h.status, headers: [['Location', h.location]] as [string, string][] })),
    });
    const warcSha256 = await storeBytes(item.id, 'warc', warc, 'application/warc');
    const { fields: enriched, text } = await enrich(item, res);
    const capture: Capture = {
      id: ids.next(),
      agencyId: items.agencyId,
      itemId: item.id,
      state: 'ok',
      startedAt,
      finishedAt: clock.now(),
      errorCode: null,
      errorMessage: null,
      httpStatus: res.status,
      finalUrl: res.finalUrl,
      resolvedIp: res.resolvedIp,
      via: res.via,
      redirects: res.redirects.map((r) => ({ url: r.url, status: r.status, location: r.location })),
      headers: res.headers,
      tls: res.tlsCertificate,
      timings: { ...res.timings, dnsMs: res.timings.dnsMs ?? -1 },
      fetcherVersion: res.fetcherVersion,
      bodySha256,
      bodySize: res.body.length,
      warcSha256,
      declaredType: res.declaredType,
      sniffedType: res.sniffedType,
      ...enriched,
      ...(await captureLanguage({ text, body: res.body, mediaType: res.sniffedType })),
    };
    await items.insertCapture(capture);
    await items.markItem(item.id, { state: 'captured', lastError: null, capturedAt: capture.finishedAt });
    await deps.custody.append({
      kind: 'capture',
      subject: { type: 'item', id: item.id },
      data: { captureId: capture.id, state: 'ok', url: item.url, finalUrl: res.finalUrl, status: res.status, resolvedIp: res.resolvedIp, bodySha256, bodySize: res.body.length, warcSha256, tlsFingerprint: res.tlsCertificate?.fingerprint256 ?? null, fetcherVersion: res.fetcherVersion },
    });
    // Match at once, in the capture job (DESIGN flow step 3), once the capture is on record.
    await deps.matcher?.fingerprintAndMatch(capture, res.body, text);
    if (deps.screenshots && isHtml(res)) {
      await deps.queue.enqueue('capture.screenshot', { captureId: capture.id }, { agencyId: items.agencyId, idempotencyKey: `capture.screenshot:${capture.id}` });
    }
    return capture;
  }

  /** A file item was stored at upload; its capture analyses the stored bytes without fetching. */
  async function captureFile(item: Item): Promise<Capture> {
    const startedAt = clock.now();
    const hex = item.url.slice('file:sha256:'.length);
    const body = await readAll(deps.store.open(hex));
    const { fileTypeFromBuffer } = await import('file-type');
    const sniffed = (await fileTypeFromBuffer(body))?.mime ?? null;
    const warc = await fileToWarcRecord({ sha256: hex, filename: item.submittedUrl, mediaType: sniffed, capturedAt: startedAt, body });
    const warcSha256 = await storeBytes(item.id, 'warc', warc, 'application/warc');
    const capture: Capture = {
      ...emptyCapture(item, startedAt),
      state: 'ok',
      via: 'upload',
      bodySha256: hex,
      bodySize: body.length,
      warcSha256,
      sniffedType: sniffed,
      title: item.submittedUrl,
      ...(await captureLanguage({ text: null, body, mediaType: sniffed })),
    };
    await items.insertCapture(capture);
    await items.markItem(item.id, { state: 'captured', lastError: null, capturedAt: capture.finishedAt });
    await deps.custody.append({ kind: 'capture', subject: { type: 'item', id: item.id }, data: { captureId: capture.id, state: 'ok', url: item.url, bodySha256: hex, bodySize: body.length, warcSha256, sniffedType: sniffed } });
    await deps.matcher?.fingerprintAndMatch(capture, body, null);
    return capture;
  }

  return {
    /** Renders a captured page and keeps the PNG beside the capture (which itself stays unchanged). */
    async screenshot(captureId: string, renderer: PageRenderer): Promise<StoredScreenshot | null> {
      const capture = await items.getCapture(captureId);
      if (!capture || capture.state !== 'ok' || !capture.finalUrl) return null;
      const shot = await renderer.render(capture.finalUrl);
      const sha256 = await storeBytes(capture.itemId, 'screenshot', shot.png, 'image/png');
      const stored: StoredScreenshot = { id: ids.next(), captureId, sha256, width: shot.width, height: shot.height, finalUrl: shot.finalUrl, requests: shot.requests, renderedAt: shot.renderedAt };
      await items.insertScreenshot(stored);
      return stored;
    },

    async capture(itemId: string, signal?: AbortSignal): Promise<Capture | null> {
      const item = await items.getItem(itemId);
      if (!item) return null;
      return item.kind === 'file' ? captureFile(item) : captureUrl(item, signal);
    },
  };
}

export type CaptureService = ReturnType<typeof createCaptureService>;
