/**
 * The review queue: cases most urgent first, each with its priority in words (confidence + severity,
 * as the server explains it), its lead item blurred, its size and status. Filters live in the
 * address; the keyboard works the list without a mouse:
 *   j / k   next / previous case        Enter   open the case
 *   r       reveal the case's media      d       open the case at its decision panel
 *   ?       show these shortcuts
 * Revealing from the queue is the same audited, counted reveal as anywhere else.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client';
import {
  CASE_STATUSES,
  CASE_STATUS_LABELS,
  TIERS,
  TIER_LABELS,
  VERDICT_LABELS,
  useReviewApi,
  type CaseStatus,
  type CaseSummary,
  type QueueQuery,
  type Tier,
} from '../api/review';
import { useFilteredPages } from '../filtered-pages';
import { ExposureCounter, Media, mediaKindOf } from '../media';
import { can, useSession } from '../session';
import { ErrorBanner, Time, useLoad, useTitle } from '../ui';

const PAGE_SIZE = 50;
const FILTER_KEYS = ['status', 'tier', 'outlet', 'language', 'source', 'bank'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Record<FilterKey, string>;

const SHORTCUTS: [string, string][] = [
  ['j', 'next case'],
  ['k', 'previous case'],
  ['Enter', 'open the selected case'],
  ['r', 'reveal the selected case’s media (audited)'],
  ['d', 'open the selected case’s decision panel'],
  ['?', 'show or hide these shortcuts'],
];

function toQuery(f: Filters): Omit<QueueQuery, 'limit' | 'cursor'> {
  const statuses: readonly string[] = [...CASE_STATUSES, 'all'];
  return {
    status: statuses.includes(f.status) ? (f.status as CaseStatus | 'all') : undefined,
    tier: (TIERS as readonly string[]).includes(f.tier) ? (f.tier as Tier) : undefined,
    outlet: f.outlet.trim() || undefined,
    language: f.language.trim().toLowerCase() || undefined,
    source: f.source.trim() || undefined,
    bank: f.bank.trim() || undefined,
  };
}

/** Keys typed into a form field belong to the field, not to the queue. */
function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
}

function leadLabel(c: CaseSummary): string {
  const l = c.leadItem;
  return l.title ?? l.fileName ?? l.url ?? l.id;
}

export function ReviewQueueScreen(): ReactNode {
  useTitle('Review');
  const review = useReviewApi();
  const session = useSession();
  const navigate = useNavigate();
  const canRead = can(session, 'content.read');
  const { applied, draft, setDraft, rows, nextBefore, error, loading, loadMore, apply, clear, hasFilters } = useFilteredPages(FILTER_KEYS, async (f: Filters, before?: string) => {
    const page = await review.queue({ ...toQuery(f), limit: PAGE_SIZE, ...(before ? { cursor: before } : {}) });
    return { rows: page.cases, nextBefore: page.nextCursor };
  });
  const outlets = useLoad(() => review.outlets(), [review]);
  const sources = useLoad(() => api.listSources(), []);
  const banks = useLoad(() => (can(session, 'bank.read') ? review.banks() : Promise.resolve(null)), [review]);

  const [selected, setSelected] = useState(0);
  const [showHelp, setShowHelp] = useState(false);
  const [reveals, setReveals] = useState<Record<string, number>>({});
  const rowRefs = useRef<(HTMLTableRowElement | null)[]>([]);

  useEffect(() => {
    setSelected((s) => Math.min(s, Math.max(rows.length - 1, 0)));
  }, [rows.length]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.altKey || e.ctrlKey || e.metaKey || typingInField(e.target)) return;
      const current = rows[selected];
      const move = (to: number): void => {
        const next = Math.max(0, Math.min(rows.length - 1, to));
        setSelected(next);
        rowRefs.current[next]?.scrollIntoView({ block: 'nearest' });
      };
      switch (e.key) {
        case 'j':
          move(selected + 1);
          break;
        case 'k':
          move(selected - 1);
          break;
        case 'Enter':
          // A focused link or button handles its own Enter.
          if (!current || (e.target instanceof HTMLElement && ['A', 'BUTTON'].includes(e.target.tagName))) return;
          navigate(`/review/${current.id}`);
          break;
        case 'r':
          if (!current) return;
          setReveals((r) => ({ ...r, [current.id]: (r[current.id] ?? 0) + 1 }));
          break;
        case 'd':
          if (!current) return;
          navigate(`/review/${current.id}#decide`);
          break;
        case '?':
          setShowHelp((v) => !v);
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [rows, selected, navigate]);

  const field = (k: FilterKey) => ({
    value: draft[k],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
  });

  return (
    <section aria-labelledby="review-title">
      <div className="review-head">
        <h1 id="review-title">Review</h1>
        <ExposureCounter />
      </div>
      <form className="panel filters" onSubmit={apply} aria-label="Queue filters">
        <div className="form-row">
          <div className="field field-narrow">
            <label htmlFor="queue-status">Status</label>
            <select id="queue-status" {...field('status')}>
              <option value="">open (default)</option>
              {CASE_STATUSES.filter((s) => s !== 'open').map((s) => (
                <option key={s} value={s}>
                  {CASE_STATUS_LABELS[s]}
                </option>
              ))}
              <option value="all">all</option>
            </select>
          </div>
          <div className="field field-narrow">
            <label htmlFor="queue-tier">Tier</label>
            <select id="queue-tier" {...field('tier')}>
              <option value="">any</option>
              {TIERS.map((t) => (
                <option key={t} value={t}>
                  {TIER_LABELS[t]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="queue-outlet">Outlet</label>
            {outlets.data ? (
              <select id="queue-outlet" {...field('outlet')}>
                <option value="">any</option>
                {outlets.data.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            ) : (
              <input id="queue-outlet" className="mono" placeholder="outlet id" {...field('outlet')} />
            )}
          </div>
          <div className="field field-narrow">
            <label htmlFor="queue-language">Language</label>
            <input id="queue-language" placeholder="e.g. ar" spellCheck={false} {...field('language')} />
          </div>
          <div className="field">
            <label htmlFor="queue-source">Source</label>
            {sources.data ? (
              <select id="queue-source" {...field('source')}>
                <option value="">any</option>
                {sources.data.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label ?? s.url}
                  </option>
                ))}
              </select>
            ) : (
              <input id="queue-source" className="mono" placeholder="source id" {...field('source')} />
            )}
          </div>
          <div className="field">
            <label htmlFor="queue-bank">Bank</label>
            {banks.data ? (
              <select id="queue-bank" {...field('bank')}>
                <option value="">any</option>
                {banks.data.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name}
                  </option>
                ))}
              </select>
            ) : (
              <input id="queue-bank" className="mono" placeholder="bank id" {...field('bank')} />
            )}
          </div>
          <button type="submit" className="button button-primary">
            Apply filters
          </button>
          {hasFilters ? (
            <button type="button" className="button" onClick={clear}>
              Clear
            </button>
          ) : null}
        </div>
        <p className="hint">
          Keyboard: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open, <kbd>r</kbd> reveal, <kbd>d</kbd> decide,{' '}
          <kbd>?</kbd> all shortcuts.{applied.status === '' ? ' Most urgent first.' : ''}
        </p>
      </form>

      {showHelp ? (
        <div className="panel shortcuts" role="dialog" aria-label="Keyboard shortcuts">
          <h2>Keyboard shortcuts</h2>
          <dl className="facts">
            {SHORTCUTS.map(([k, what]) => (
              <div key={k} className="shortcut">
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
          <button type="button" className="button button-small" onClick={() => setShowHelp(false)}>
            Close
          </button>
        </div>
      ) : null}

      <ErrorBanner error={error} title="Could not load the queue." />
      <div className="table-wrap">
        <table className="data queue">
          <caption className="visually-hidden">Cases awaiting review, most urgent first</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                Priority
              </th>
              <th scope="col">Why</th>
              <th scope="col">Lead item</th>
              <th scope="col" className="num">
                Items
              </th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c, i) => (
              <QueueRow
                key={c.id}
                c={c}
                selected={i === selected}
                onSelect={() => setSelected(i)}
                rowRef={(el) => {
                  rowRefs.current[i] = el;
                }}
                canRead={canRead}
                revealRequest={reveals[c.id] ?? 0}
              />
            ))}
            {!loading && rows.length === 0 && !error ? (
              <tr>
                <td colSpan={6} className="empty">
                  {hasFilters ? 'No cases match these filters.' : 'Nothing to review. Cases appear here when captures match a bank.'}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <div className="button-row">
        {nextBefore !== null ? (
          <button type="button" className="button" onClick={() => void loadMore()} disabled={loading}>
            Load more
          </button>
        ) : null}
        <span className="muted" role="status">
          {loading ? 'Loading…' : `${rows.length} case${rows.length === 1 ? '' : 's'} shown${nextBefore === null ? '' : ', more available'}`}
        </span>
      </div>
    </section>
  );
}

function QueueRow({
  c,
  selected,
  onSelect,
  rowRef,
  canRead,
  revealRequest,
}: {
  c: CaseSummary;
  selected: boolean;
  onSelect: () => void;
  rowRef: (el: HTMLTableRowElement | null) => void;
  canRead: boolean;
  revealRequest: number;
}): ReactNode {
  const lead = c.leadItem;
  const kind = mediaKindOf(lead.sniffedType ?? lead.contentType);
  return (
    <tr
      ref={rowRef}
      data-case-id={c.id}
      className={selected ? 'row-selected' : undefined}
      aria-current={selected ? 'true' : undefined}
      onClick={onSelect}
    >
      <td className="num">
        <span className="priority-score" title={`confidence ${c.priority.confidence}, severity ${c.priority.severity}`}>
          {c.priority.score}
        </span>
      </td>
      <td className="priority-why">
        <p className="priority-summary">{c.priority.summary}</p>
        {c.priority.parts.length > 0 ? (
          <ul className="priority-parts small muted">
            {c.priority.parts.map((p, i) => (
              <li key={i}>
                +{p.points} {p.kind}: {p.text}
              </li>
            ))}
          </ul>
        ) : null}
      </td>
      <td>
        <div className="queue-lead">
          {kind && lead.latestCaptureId ? (
            <Media
              itemId={lead.id}
              captureId={lead.latestCaptureId}
              part="body"
              kind={kind}
              label={`Lead item of case ${leadLabel(c)}`}
              autoLoad={kind === 'image'}
              canRead={canRead}
              revealRequest={revealRequest}
              compact
            />
          ) : (
            <span className="media-none muted small">no preview</span>
          )}
          <div>
            <Link to={`/review/${c.id}`} className="break">
              {leadLabel(c)}
            </Link>
            <div className="small muted">
              {c.tier ? <span className="tag">{TIER_LABELS[c.tier]}</span> : null}
              {c.outlet ? <span className="tag">{c.outlet.name}</span> : null}
              {lead.language ? <span className="tag">{lead.language}</span> : null}
            </div>
          </div>
        </div>
      </td>
      <td className="num">{c.itemCount}</td>
      <td>
        <span className={`status status-case-${c.status}`}>{CASE_STATUS_LABELS[c.status]}</span>
        {c.latestDecision ? <div className="small muted">{VERDICT_LABELS[c.latestDecision.verdict]}</div> : null}
      </td>
      <td className="nowrap">
        <Time ms={c.updatedAt} />
      </td>
    </tr>
  );
}
