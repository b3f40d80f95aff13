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
import { Field, FilterButtons, Select, SelectField, type SelectChoice } from '../fields';
import { useFilteredPages } from '../filtered-pages';
import { ExposureCounter, Media, mediaKindOf } from '../media';
import { can, useSession } from '../session';
import { EmptyRow, PageFooter } from '../tables';
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

  const filter = (k: FilterKey) => ({ value: draft[k], onChange: (value: string) => setDraft({ ...draft, [k]: value }) });

  return (
    <section aria-labelledby="review-title">
      <div className="review-head">
        <h1 id="review-title">Review</h1>
        <ExposureCounter />
      </div>
      <form className="panel filters" onSubmit={apply} aria-label="Queue filters">
        <div className="form-row">
          <SelectField
            id="queue-status"
            label="Status"
            width="narrow"
            empty="open (default)"
            options={[...CASE_STATUSES.filter((s) => s !== 'open'), 'all']}
            labels={CASE_STATUS_LABELS}
            {...filter('status')}
          />
          <SelectField id="queue-tier" label="Tier" width="narrow" empty="any" options={TIERS} labels={TIER_LABELS} {...filter('tier')} />
          <ChoiceOrIdFilter id="queue-outlet" label="Outlet" placeholder="outlet id" choices={outlets.data?.map((o) => ({ value: o.id, label: o.name }))} {...filter('outlet')} />
          <div className="field field-narrow">
            <label htmlFor="queue-language">Language</label>
            <input id="queue-language" placeholder="e.g. ar" spellCheck={false} value={draft.language} onChange={(e) => setDraft({ ...draft, language: e.target.value })} />
          </div>
          <ChoiceOrIdFilter id="queue-source" label="Source" placeholder="source id" choices={sources.data?.map((s) => ({ value: s.id, label: s.label ?? s.url }))} {...filter('source')} />
          <ChoiceOrIdFilter id="queue-bank" label="Bank" placeholder="bank id" choices={banks.data?.map((b) => ({ value: b.id, label: b.name }))} {...filter('bank')} />
          <FilterButtons hasFilters={hasFilters} onClear={clear} />
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
              <EmptyRow columns={6}>{hasFilters ? 'No cases match these filters.' : 'Nothing to review. Cases appear here when captures match a bank.'}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <PageFooter shown={rows.length} noun={['case', 'cases']} more={nextBefore !== null} loading={loading} onLoadMore={loadMore} />
    </section>
  );
}

/** A filter by one of a list the user may read (outlets, sources, banks), or by an id typed in when the list is not there. */
function ChoiceOrIdFilter({
  id,
  label,
  placeholder,
  choices,
  value,
  onChange,
}: {
  id: string;
  label: string;
  placeholder: string;
  choices: readonly SelectChoice<string>[] | undefined;
  value: string;
  onChange: (value: string) => void;
}): ReactNode {
  return (
    <Field id={id} label={label}>
      {choices ? (
        <Select id={id} value={value} empty="any" options={choices} onChange={onChange} />
      ) : (
        <input id={id} className="mono" placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
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
