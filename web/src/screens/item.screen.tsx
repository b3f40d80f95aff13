/**
 * One item: its facts, its bank matches, every capture oldest → newest with what the server observed (HTTP, TLS,
 * redirects, types, hashes, errors), its screenshots, its custody events, and the evidence package.
 *
 * Captured content is handled as dangerous material:
 * - captured URLs are shown as text, never as links (a click would visit the site from the
 *   analyst's own browser and address);
 * - captured bytes (body, text, WARC) are only ever downloaded as files, never rendered;
 * - screenshots and captured images or video are not fetched until asked for, then shown blurred and
 *   greyscale until revealed one at a time (see `Media` in media.tsx);
 * - every read of content is an audited view, recorded by the server in the audit log and the
 *   item's custody chain, and the UI says so next to the buttons that cause one.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, type ContentPart } from '../api/client';
import type { CaptureView, CustodyEventView, ItemDetailView } from '../api/types';
import { StatusBadge } from '../badges';
import { saveBlob } from '../download';
import { formatBytes, formatTime } from '../format';
import { Media, mediaKindOf } from '../media';
import { RecordHeading } from '../record-page';
import { can, useSession } from '../session';
import { PlaceholderRows } from '../tables';
import { ItemMatches } from './bank.screen';
import { ErrorBanner, ItemStateBadge, Notice, ShortHash, Time, useLoad, useTitle } from '../ui';

/** While a capture or screenshot is on its way, the page asks again this often. */
const POLL_MS = 2_000;
/** A screenshot job normally ends well within this after its capture; later, stop waiting for it. */
const SCREENSHOT_WAIT_MS = 120_000;
const HTML_TYPES = ['text/html', 'application/xhtml+xml'];

export function ItemRoute(): ReactNode {
  const { itemId = '' } = useParams();
  // A new key per item: nothing (revealed screenshots, notices) carries over from one item to the next.
  return <ItemScreen key={itemId} itemId={itemId} />;
}

function isHtmlCapture(c: CaptureView): boolean {
  return HTML_TYPES.includes(c.sniffedType ?? '') || HTML_TYPES.includes((c.declaredType ?? '').split(';')[0]?.trim() ?? '');
}

/** Whether the server is still working on this item, so the page should look again soon. */
function stillWorking(detail: ItemDetailView, awaitCaptures: number | null, now: number): boolean {
  if (detail.item.state === 'queued') return true;
  if (awaitCaptures !== null && detail.captures.length < awaitCaptures) return true;
  const last = detail.captures.at(-1);
  return (
    last !== undefined &&
    last.state === 'ok' &&
    isHtmlCapture(last) &&
    last.screenshots.length === 0 &&
    now - last.finishedAt < SCREENSHOT_WAIT_MS
  );
}

function ItemScreen({ itemId }: { itemId: string }): ReactNode {
  const session = useSession();
  const canWrite = can(session, 'item.write');
  const canExport = can(session, 'evidence.export');
  const canRead = can(session, 'content.read');
  const detail = useLoad(() => api.getItem(itemId), [itemId]);
  const custody = useLoad(() => api.itemCustody(itemId), [itemId]);
  const [awaitCaptures, setAwaitCaptures] = useState<number | null>(null);
  const [notice, setNotice] = useState<ReactNode>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [recapturing, setRecapturing] = useState(false);
  const [exporting, setExporting] = useState(false);
  const item = detail.data?.item;
  useTitle(item ? `Item ${item.host ?? item.submittedUrl}` : 'Item');

  const { reload: reloadDetail } = detail;
  const { reload: reloadCustody } = custody;
  const working = detail.data ? stillWorking(detail.data, awaitCaptures, Date.now()) : false;

  useEffect(() => {
    if (!working) return;
    const timer = window.setTimeout(() => {
      reloadDetail();
      reloadCustody();
    }, POLL_MS);
    return () => window.clearTimeout(timer);
    // detail.data (or detail.error) changes on every answer, which re-arms the timer for the next look.
  }, [working, detail.data, detail.error, reloadDetail, reloadCustody]);

  const recapture = async (): Promise<void> => {
    if (!detail.data) return;
    setRecapturing(true);
    setActionError(null);
    try {
      await api.recapture(itemId);
      setAwaitCaptures(detail.data.captures.length + 1);
      setNotice('Capture queued. This page updates when it is done; earlier captures are kept.');
      reloadDetail();
    } catch (err) {
      setActionError(err);
    } finally {
      setRecapturing(false);
    }
  };

  const exportEvidence = async (): Promise<void> => {
    setExporting(true);
    setActionError(null);
    try {
      const pkg = await api.evidencePackage(itemId);
      const filename = `vigil-evidence-${itemId}.wacz`;
      saveBlob(pkg.blob, filename);
      const sha256 = pkg.headers.get('x-vigil-package-sha256');
      setNotice(
        <span>
          Evidence package <code>{filename}</code> downloaded ({formatBytes(pkg.blob.size)}). SHA-256{' '}
          <code className="break" data-testid="evidence-sha256">
            {sha256 ?? 'not given by the server'}
          </code>
          . Check it offline with <code>vigil evidence verify {filename}</code>.
        </span>,
      );
      reloadCustody();
    } catch (err) {
      setActionError(err);
    } finally {
      setExporting(false);
    }
  };

  if (!detail.data) {
    return (
      <section aria-labelledby="item-title">
        <RecordHeading list="/items" listLabel="Items" titleId="item-title" title="Item" error={detail.error} errorTitle="Could not load the item." loading={detail.loading} />
      </section>
    );
  }

  const { captures, children } = detail.data;
  const it = detail.data.item;
  const anyOk = captures.some((c) => c.state === 'ok');

  return (
    <section aria-labelledby="item-title">
      <RecordHeading
        list="/items"
        listLabel="Items"
        titleId="item-title"
        title={
          <>
            Item <span className="mono item-heading-url">{it.kind === 'file' ? it.submittedUrl : it.url}</span>
          </>
        }
        error={detail.error}
        errorTitle="Could not refresh the item."
        loading={false}
      />

      <dl className="facts">
        <dt>State</dt>
        <dd>
          <ItemStateBadge state={it.state} />
          {working ? <span className="muted small working"> the server is working on it; this page refreshes</span> : null}
        </dd>
        <dt>{it.kind === 'file' ? 'Stored as' : 'URL'}</dt>
        <dd className="mono break">{it.url}</dd>
        {it.submittedUrl !== it.url ? (
          <>
            <dt>{it.kind === 'file' ? 'File name' : 'Submitted as'}</dt>
            <dd className="mono break">{it.submittedUrl}</dd>
          </>
        ) : null}
        <dt>Host</dt>
        <dd>
          {it.host ?? '—'}
          {it.platform ? <span className="tag">{it.platform}</span> : null}
        </dd>
        <dt>Origin</dt>
        <dd>
          {it.origin}
          {it.parentItemId ? (
            <>
              {' '}
              · found on <Link to={`/items/${it.parentItemId}`}>parent item</Link>
            </>
          ) : null}
          {it.sourceId ? (
            <>
              {' '}
              · from <Link to={`/sources/${it.sourceId}`}>watched source</Link>
            </>
          ) : null}
        </dd>
        <dt>Captures</dt>
        <dd>
          {it.captureCount}
          {it.lastCapturedAt !== null ? (
            <span className="muted">
              {' '}
              · last <Time ms={it.lastCapturedAt} />
            </span>
          ) : null}
        </dd>
        <dt>Media found on it</dt>
        <dd>
          {children > 0 ? (
            <Link to={`/items?parentItemId=${it.id}`}>
              {children} child item{children === 1 ? '' : 's'}
            </Link>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time ms={it.createdAt} />
        </dd>
        <dt>ID</dt>
        <dd className="mono">{it.id}</dd>
        {it.lastError ? (
          <>
            <dt>Last error</dt>
            <dd className="error-text">{it.lastError}</dd>
          </>
        ) : null}
      </dl>

      <div className="button-row">
        {canWrite ? (
          <button type="button" className="button" onClick={() => void recapture()} disabled={recapturing}>
            Capture again
          </button>
        ) : null}
        {canExport ? (
          <button
            type="button"
            className="button button-primary"
            onClick={() => void exportEvidence()}
            disabled={exporting || !anyOk}
            aria-describedby="item-evidence-hint"
          >
            {exporting ? 'Packaging…' : 'Download evidence package'}
          </button>
        ) : null}
        <button
          type="button"
          className="button"
          onClick={() => {
            reloadDetail();
            reloadCustody();
          }}
        >
          Refresh
        </button>
      </div>
      {canExport ? (
        <p id="item-evidence-hint" className="hint">
          {anyOk
            ? 'A signed WACZ with the WARC records, screenshots, manifest and custody proof. The export is recorded in the custody chain.'
            : 'Available once the item has a successful capture.'}
        </p>
      ) : null}
      <ErrorBanner error={actionError} />
      <Notice>{notice}</Notice>

      <ItemMatches itemId={it.id} capturedAt={it.lastCapturedAt} />

      <h2 id="captures-title">Captures</h2>
      {canRead ? (
        <p className="alert alert-info audited">
          Screenshots and captured images load only when you ask, blurred and greyscale; “Reveal” shows one
          clearly. Every view, reveal and download is recorded in the audit log and in this item’s custody chain.
        </p>
      ) : null}
      {captures.length === 0 ? (
        <p className="muted">{it.state === 'queued' ? 'Waiting for the first capture…' : 'No captures.'}</p>
      ) : (
        <ol className="timeline" aria-labelledby="captures-title">
          {captures.map((c, i) => (
            <CaptureCard
              key={c.id}
              itemId={it.id}
              capture={c}
              index={i + 1}
              canRead={canRead}
              onContentViewed={reloadCustody}
            />
          ))}
        </ol>
      )}

      <h2 id="custody-title">Custody events</h2>
      <ErrorBanner error={custody.error} title="Could not load custody events." />
      <CustodyTable events={custody.data} loading={custody.loading} />
    </section>
  );
}

function duration(c: CaptureView): string {
  const ms = c.finishedAt - c.startedAt;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function CaptureCard({
  itemId,
  capture: c,
  index,
  canRead,
  onContentViewed,
}: {
  itemId: string;
  capture: CaptureView;
  index: number;
  canRead: boolean;
  onContentViewed: () => void;
}): ReactNode {
  const headingId = `capture-${c.id}`;
  const typesDiffer = c.sniffedType !== null && c.declaredType !== null && !c.declaredType.startsWith(c.sniffedType);
  return (
    <li className={`capture capture-${c.state}`} aria-labelledby={headingId} data-capture-id={c.id}>
      <h3 id={headingId}>
        Capture {index} <span className="muted">·</span> <Time ms={c.startedAt} />{' '}
        <StatusBadge tone={c.state === 'ok' ? 'ok' : 'bad'}>{c.state}</StatusBadge>
      </h3>
      {c.state === 'failed' ? (
        <p className="alert alert-error capture-error">
          <code className="alert-code">{c.errorCode ?? 'unknown'}</code>
          <span className="alert-message">{c.errorMessage ?? 'No message recorded.'}</span>
        </p>
      ) : null}
      <dl className="facts facts-capture">
        <dt>Time</dt>
        <dd>
          <Time ms={c.startedAt} /> → {formatTime(c.finishedAt).slice(11)} <span className="muted">({duration(c)})</span>
        </dd>
        {c.httpStatus !== null ? (
          <>
            <dt>HTTP status</dt>
            <dd className="mono">{c.httpStatus}</dd>
          </>
        ) : null}
        {c.finalUrl !== null ? (
          <>
            <dt>Final URL</dt>
            <dd className="mono break">{c.finalUrl}</dd>
          </>
        ) : null}
        {c.resolvedIp !== null || c.via !== null ? (
          <>
            <dt>Resolved IP</dt>
            <dd className="mono">
              {c.resolvedIp ?? '—'}
              {c.via ? <span className="tag">via {c.via}</span> : null}
            </dd>
          </>
        ) : null}
        {c.tls ? (
          <>
            <dt>TLS certificate</dt>
            <dd>
              <dl className="facts facts-nested">
                <dt>Subject</dt>
                <dd className="mono break">{c.tls.subject}</dd>
                <dt>Issuer</dt>
                <dd className="mono break">{c.tls.issuer}</dd>
                <dt>Valid</dt>
                <dd>
                  {c.tls.validFrom} → {c.tls.validTo}
                </dd>
                <dt>SHA-256 fingerprint</dt>
                <dd className="mono break">{c.tls.fingerprint256}</dd>
                <dt>Serial</dt>
                <dd className="mono break">{c.tls.serialNumber}</dd>
              </dl>
            </dd>
          </>
        ) : c.finalUrl?.startsWith('http:') ? (
          <>
            <dt>TLS certificate</dt>
            <dd className="muted">none (plain HTTP)</dd>
          </>
        ) : null}
        {c.state === 'ok' && c.via !== 'upload' ? (
          <>
            <dt>Redirects</dt>
            <dd>
              {c.redirects.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ol className="redirects">
                  {c.redirects.map((r, i) => (
                    <li key={i} className="mono break">
                      <span className="status status-warn">{r.status}</span> {r.url} → {r.location}
                    </li>
                  ))}
                </ol>
              )}
            </dd>
          </>
        ) : null}
        {c.sniffedType !== null || c.declaredType !== null ? (
          <>
            <dt>Content type</dt>
            <dd>
              <span className="mono">{c.sniffedType ?? 'unknown'}</span> <span className="muted">sniffed</span>
              {' · '}
              <span className="mono">{c.declaredType ?? 'none'}</span> <span className="muted">declared</span>
              {typesDiffer ? <span className="status status-warn type-differs">differs</span> : null}
            </dd>
          </>
        ) : null}
        {c.title !== null ? (
          <>
            <dt>Title</dt>
            <dd className="capture-title">{c.title}</dd>
          </>
        ) : null}
        {c.languageHint !== null ? (
          <>
            <dt>Language</dt>
            <dd>{c.languageHint}</dd>
          </>
        ) : null}
        {c.bodyHash !== null ? (
          <>
            <dt>Body</dt>
            <dd>
              <code className="break">{c.bodyHash}</code> <span className="muted">({formatBytes(c.bodySize)})</span>
            </dd>
          </>
        ) : null}
        {c.warcHash !== null ? (
          <>
            <dt>WARC</dt>
            <dd>
              <code className="break">{c.warcHash}</code>
            </dd>
          </>
        ) : null}
        {c.textHash !== null ? (
          <>
            <dt>Text</dt>
            <dd>
              <code className="break">{c.textHash}</code>
            </dd>
          </>
        ) : null}
        {c.state === 'ok' && c.via !== 'upload' ? (
          <>
            <dt>Links and media</dt>
            <dd>
              {c.outlinkCount} out-link{c.outlinkCount === 1 ? '' : 's'} · {c.childItemCount} new child item
              {c.childItemCount === 1 ? '' : 's'}
            </dd>
          </>
        ) : null}
        <dt>Fetcher</dt>
        <dd className="mono small">{c.fetcherVersion}</dd>
      </dl>
      {c.headers.length > 0 || Object.keys(c.timings).length > 0 ? (
        <details className="capture-more">
          <summary>Response headers and timings</summary>
          {Object.keys(c.timings).length > 0 ? (
            <p className="mono small">
              {Object.entries(c.timings)
                .map(([k, v]) => `${k} ${v < 0 ? '—' : Math.round(v)}`)
                .join(' · ')}
            </p>
          ) : null}
          {c.headers.length > 0 ? (
            <table className="data headers">
              <caption className="visually-hidden">Response headers of capture {index}</caption>
              <tbody>
                {c.headers.map((h, i) => (
                  <tr key={i}>
                    <th scope="row" className="mono">
                      {h[0]}
                    </th>
                    <td className="mono break">{h.slice(1).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </details>
      ) : null}
      {canRead && (c.bodyHash || c.textHash || c.warcHash) ? (
        <ContentDownloads capture={c} onViewed={onContentViewed} />
      ) : null}
      {c.state === 'ok' && c.bodyHash && mediaKindOf(c.sniffedType) ? (
        <div className="shots">
          <Media
            itemId={itemId}
            captureId={c.id}
            part="body"
            kind={mediaKindOf(c.sniffedType) ?? 'image'}
            label={`Captured ${c.sniffedType ?? 'media'} of capture ${index}`}
            caption={<ShortHash hash={c.bodyHash} />}
            canRead={canRead}
            onViewed={onContentViewed}
            className="shot"
          />
        </div>
      ) : null}
      {c.screenshots.length > 0 ? (
        <div className="shots">
          {c.screenshots.map((s, i) => (
            <Media
              key={s.id}
              itemId={itemId}
              captureId={c.id}
              part={s.id}
              kind="image"
              label={`Screenshot ${i + 1} of capture ${index}`}
              width={s.width}
              height={s.height}
              caption={
                <>
                  {s.width} × {s.height} px, rendered <Time ms={s.renderedAt} />
                  {s.blockedRequests > 0 ? `, ${s.blockedRequests} request${s.blockedRequests === 1 ? '' : 's'} blocked` : ''}
                  {' · '}
                  <ShortHash hash={s.hash} />
                </>
              }
              canRead={canRead}
              onViewed={onContentViewed}
              className="shot"
            />
          ))}
        </div>
      ) : null}
    </li>
  );
}

const CONTENT_FILES: { part: ContentPart; label: string; suffix: string }[] = [
  { part: 'body', label: 'Body', suffix: '-body.bin' },
  { part: 'text', label: 'Text', suffix: '-text.txt' },
  { part: 'warc', label: 'WARC', suffix: '.warc' },
];

/** Captured bytes as files (never rendered); each download is an audited content view. */
function ContentDownloads({ capture: c, onViewed }: { capture: CaptureView; onViewed: () => void }): ReactNode {
  const [pending, setPending] = useState<ContentPart | null>(null);
  const [error, setError] = useState<unknown>(null);
  const available = CONTENT_FILES.filter(
    (f) => (f.part === 'body' && c.bodyHash) || (f.part === 'text' && c.textHash) || (f.part === 'warc' && c.warcHash),
  );

  const get = async (part: ContentPart, suffix: string): Promise<void> => {
    setPending(part);
    setError(null);
    try {
      const d = await api.captureContent(c.id, part);
      saveBlob(d.blob, `${c.id}${suffix}`);
      onViewed();
    } catch (err) {
      setError(err);
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="downloads">
      <div className="button-row">
        <span className="muted small">Download (audited):</span>
        {available.map((f) => (
          <button
            key={f.part}
            type="button"
            className="button button-small"
            disabled={pending !== null}
            onClick={() => void get(f.part, f.suffix)}
          >
            {f.label}
          </button>
        ))}
      </div>
      <ErrorBanner error={error} title="Could not download." />
    </div>
  );
}

/** A line from an event's data: the first few scalar fields, e.g. `role=body, size=5120`. */
function summarise(data: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (parts.length >= 4) break;
    if (k === 'sha256' || k.endsWith('Sha256') || k === 'viewer') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parts.push(`${k}=${String(v)}`);
  }
  return parts.join(', ');
}

function CustodyTable({ events, loading }: { events: CustodyEventView[] | undefined; loading: boolean }): ReactNode {
  return (
    <div className="table-wrap">
      <table className="data custody">
        <caption className="visually-hidden">Custody events of this item, in chain order</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Seq
            </th>
            <th scope="col">Time</th>
            <th scope="col">Kind</th>
            <th scope="col">Actor</th>
            <th scope="col">Detail</th>
            <th scope="col">Hash</th>
          </tr>
        </thead>
        <tbody>
          {events?.map((e) => (
            <tr key={e.seq} data-custody-seq={e.seq}>
              <td className="num mono">{e.seq}</td>
              <td className="nowrap">
                <Time ms={e.at} />
              </td>
              <td className="mono">{e.kind}</td>
              <td>{e.actor}</td>
              <td className="small break">{summarise(e.data) || <span className="muted">—</span>}</td>
              <td>
                <ShortHash hash={e.hash} />
              </td>
            </tr>
          ))}
          <PlaceholderRows columns={6} rows={events} loading={loading} empty="No custody events yet." />
        </tbody>
      </table>
    </div>
  );
}
