/**
 * One case: its items (blurred media, metadata, capture timeline; the item page has the full capture
 * details and custody events), each match side by side with the bank entry it hit (distance, bank,
 * entry, labels, provenance), the case's decisions and events, and the decision panel.
 *
 * A decision starts as a draft that the reviewer can undo until the server's `undoUntil`; the panel
 * counts down to it. A decision that proposes a removal order waits for a second person (four eyes):
 * approvers see Approve / Reject on it, disabled on their own decisions. Server refusals are shown
 * with the server's own message and code.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import {
  CASE_STATUS_LABELS,
  EXEMPT_PURPOSES,
  EXEMPT_PURPOSE_LABELS,
  GROUNDS,
  GROUND_LABELS,
  TIERS,
  TIER_LABELS,
  VERDICTS,
  VERDICT_LABELS,
  useReviewApi,
  type CaseDetail,
  type CaseEvent,
  type CaseItem,
  type DecisionView,
  type ExemptPurpose,
  type Ground,
  type MatchView,
  type NewDecision,
  type OutletView,
  type Tier,
  type Verdict,
} from '../api/review';
import { ExposureCounter, Media, mediaKindOf } from '../media';
import { can, useSession } from '../session';
import { ErrorBanner, ItemStateBadge, Notice, ShortHash, Time, useLoad, useNow, useTitle } from '../ui';

/** After the undo window the server publishes the draft on its next read; look again this often until it has. */
const PUBLISH_POLL_MS = 1_000;
const COUNTDOWN_TICK_MS = 250;

export function CaseRoute(): ReactNode {
  const { caseId = '' } = useParams();
  return <CaseScreen key={caseId} caseId={caseId} />;
}

function itemLabel(i: Pick<CaseItem, 'title' | 'fileName' | 'url' | 'id'>): string {
  return i.title ?? i.fileName ?? i.url ?? i.id;
}

function CaseScreen({ caseId }: { caseId: string }): ReactNode {
  const review = useReviewApi();
  const session = useSession();
  const location = useLocation();
  const detail = useLoad(() => review.getCase(caseId), [caseId, review]);
  const outlets = useLoad(() => review.outlets(), [review]);
  const banks = useLoad(() => (can(session, 'bank.read') ? review.banks() : Promise.resolve([])), [review]);
  const canDecide = can(session, 'review.decide');
  const canApprove = can(session, 'review.approve');
  const canRead = can(session, 'content.read');
  useTitle(detail.data ? `Case ${itemLabel(detail.data.case.leadItem)}` : 'Case');

  const { reload } = detail;
  const now = useNow(COUNTDOWN_TICK_MS, detail.data?.decisions.some((d) => d.status === 'draft') ?? false);
  const pendingPublish = detail.data?.decisions.some((d) => d.status === 'draft' && d.undoUntil <= now) ?? false;
  useEffect(() => {
    if (!pendingPublish) return;
    const timer = window.setTimeout(reload, PUBLISH_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [pendingPublish, detail.data, reload]);

  const decideRef = useRef<HTMLElement>(null);
  const wantsDecide = location.hash === '#decide';
  const loaded = detail.data !== undefined;
  useEffect(() => {
    if (wantsDecide && loaded) decideRef.current?.querySelector<HTMLInputElement>('input[name="verdict"]')?.focus();
  }, [wantsDecide, loaded]);

  if (!detail.data) {
    return (
      <section aria-labelledby="case-title">
        <p className="breadcrumb">
          <Link to="/review">Review</Link>
        </p>
        <h1 id="case-title">Case</h1>
        <ErrorBanner error={detail.error} title="Could not load the case." />
        {detail.loading ? <p className="muted">Loading…</p> : null}
      </section>
    );
  }

  const data = detail.data;
  const c = data.case;
  const bankNames = new Map((banks.data ?? []).map((b) => [b.id, b.name]));
  return (
    <section aria-labelledby="case-title">
      <p className="breadcrumb">
        <Link to="/review">Review</Link>
      </p>
      <div className="review-head">
        <h1 id="case-title">
          Case <span className="item-heading-url">{itemLabel(c.leadItem)}</span>
        </h1>
        <ExposureCounter />
      </div>
      <ErrorBanner error={detail.error} title="Could not refresh the case." />
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-case-${c.status}`}>{CASE_STATUS_LABELS[c.status]}</span>
        </dd>
        <dt>Priority</dt>
        <dd>
          <span className="priority-score">{c.priority.score}</span> <span className="priority-summary">{c.priority.summary}</span>
          {c.priority.parts.length > 0 ? (
            <ul className="priority-parts small muted">
              {c.priority.parts.map((p, i) => (
                <li key={i}>
                  +{p.points} {p.kind}: {p.text}
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
        <dt>Tier</dt>
        <dd>{c.tier ? TIER_LABELS[c.tier] : <span className="muted">none</span>}</dd>
        <dt>Outlet</dt>
        <dd>{c.outlet ? c.outlet.name : <span className="muted">unknown</span>}</dd>
        <dt>Items</dt>
        <dd>{c.itemCount}</dd>
        <dt>Updated</dt>
        <dd>
          <Time ms={c.updatedAt} />
        </dd>
        <dt>ID</dt>
        <dd className="mono">{c.id}</dd>
      </dl>

      <h2 id="case-items-title">Items</h2>
      {canRead ? (
        <p className="alert alert-info audited">
          Media is blurred and greyscale; “Reveal” shows one item clearly. Each reveal is recorded in the audit log and
          counts toward your exposure today.
        </p>
      ) : null}
      <ol className="case-items" aria-labelledby="case-items-title">
        {data.items.map((item) => (
          <CaseItemCard key={item.id} item={item} canRead={canRead} bankNames={bankNames} />
        ))}
      </ol>

      <h2 id="case-decisions-title">Decisions</h2>
      <DecisionHistory
        decisions={data.decisions}
        now={now}
        canApprove={canApprove}
        canDecide={canDecide}
        myUserId={session.user.id}
        onChanged={reload}
        items={data.items}
      />
      {canDecide && data.decisions.some((d) => d.verdict === 'terrorist_content' && d.status !== 'undone' && d.status !== 'rejected') ? (
        <p className="button-row compose-links">
          {session.agency.kind === 'authority' ? (
            <Link to={`/orders/new?case=${c.id}`} className="button">
              Compose order
            </Link>
          ) : null}
          <Link to={`/referrals/new?case=${c.id}`} className="button">
            Compose referral
          </Link>
        </p>
      ) : null}

      {canDecide ? (
        <section ref={decideRef} id="decide" aria-labelledby="decide-title" className="panel panel-edit decide">
          <h2 id="decide-title">Decide</h2>
          <DecisionPanel
            data={data}
            outlets={outlets.data ?? null}
            authority={session.agency.kind === 'authority'}
            onDecided={reload}
          />
        </section>
      ) : null}

      {canDecide ? <SplitMerge data={data} onMerged={reload} /> : null}

      <h2 id="case-events-title">Case history</h2>
      <CaseEvents events={data.events} />
      {canDecide ? <NoteForm caseId={data.case.id} onAdded={reload} /> : null}
    </section>
  );
}

/**
 * One item: its media (loaded once, blurred) on the left and, beside it, what it matched, so the
 * reviewer compares the item against each bank entry; then its metadata and capture timeline.
 */
function CaseItemCard({ item, canRead, bankNames }: { item: CaseItem; canRead: boolean; bankNames: Map<string, string> }): ReactNode {
  const detail = useLoad(() => api.getItem(item.id), [item.id]);
  const kind = mediaKindOf(item.sniffedType);
  const headingId = `case-item-${item.id}`;
  return (
    <li className="case-item" aria-labelledby={headingId} data-item-id={item.id}>
      <h3 id={headingId}>
        <Link to={`/items/${item.id}`} className="break">
          {itemLabel(item)}
        </Link>
      </h3>
      <div className="match-compare">
        <div className="case-item-media">
          {kind && item.latestCaptureId ? (
            <Media
              itemId={item.id}
              captureId={item.latestCaptureId}
              part="body"
              kind={kind}
              label={`Media of ${itemLabel(item)}`}
              autoLoad={kind === 'image'}
              canRead={canRead}
            />
          ) : (
            <p className="muted media-none">
              No image or video preview for {item.sniffedType ?? 'this item'}; its screenshots are on the{' '}
              <Link to={`/items/${item.id}`}>item page</Link>.
            </p>
          )}
        </div>
        <div>
          <h4>Matches</h4>
          {item.matches.length === 0 ? (
            <p className="muted">No bank matches (the item joined the case by similarity or by hand).</p>
          ) : (
            <ul className="match-list">
              {item.matches.map((m) => (
                <li key={m.id} className={m.suppressed ? 'match-suppressed' : undefined} data-match-id={m.id}>
                  <MatchEntry match={m} bankName={bankNames.get(m.bankId) ?? null} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="case-item-facts">
        <dl className="facts">
          <dt>{item.fileName ? 'File name' : 'URL'}</dt>
          <dd className="mono break">{item.fileName ?? item.url ?? '—'}</dd>
          <dt>Type</dt>
          <dd className="mono">{item.sniffedType ?? '—'}</dd>
          <dt>Language</dt>
          <dd>{item.language ?? <span className="muted">unknown</span>}</dd>
          {item.title ? (
            <>
              <dt>Title</dt>
              <dd>{item.title}</dd>
            </>
          ) : null}
          <dt>State</dt>
          <dd>{detail.data ? <ItemStateBadge state={detail.data.item.state} /> : <span className="muted">…</span>}</dd>
        </dl>
        <div>
          <h4>Capture timeline</h4>
          <ErrorBanner error={detail.error} title="Could not load the captures." />
          {detail.data ? (
            <ol className="capture-timeline small">
              {detail.data.captures.map((cap) => (
                <li key={cap.id}>
                  <Time ms={cap.startedAt} />{' '}
                  <span className={`status ${cap.state === 'ok' ? 'status-ok' : 'status-bad'}`}>{cap.state}</span>{' '}
                  {cap.httpStatus !== null ? <span className="mono">HTTP {cap.httpStatus}</span> : null}{' '}
                  {cap.via ? <span className="tag">{cap.via}</span> : null} <ShortHash hash={cap.bodyHash} />
                </li>
              ))}
              {detail.data.captures.length === 0 ? <li className="muted">No captures yet.</li> : null}
            </ol>
          ) : null}
          <p className="small">
            <Link to={`/items/${item.id}`}>Capture details and custody events</Link>
          </p>
        </div>
      </div>
    </li>
  );
}

function MatchEntry({ match: m, bankName }: { match: MatchView; bankName: string | null }): ReactNode {
  const labels = Object.entries(m.labels).filter(([, v]) => v !== null);
  return (
    <div className="match-entry" role="group" aria-label="Bank entry">
      <dl className="facts">
        <dt>Distance</dt>
        <dd>
          <strong>{m.distance}</strong> <span className="muted">({m.signalKind}{m.dihedral && m.dihedral !== 'orig' ? `, ${m.dihedral}` : ''})</span>
          {m.suppressed ? <span className="status status-warn">suppressed by a negative bank</span> : null}
        </dd>
        <dt>Bank</dt>
        <dd>{bankName ?? <span className="mono">{m.bankId}</span>}</dd>
        <dt>Entry</dt>
        <dd className="mono">{m.entryId}</dd>
        <dt>Labels</dt>
        <dd>
          {labels.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            labels.map(([k, v]) => (
              <span key={k} className="tag">
                {k}: {k === 'tier' ? TIER_LABELS[v as Tier] : v}
              </span>
            ))
          )}
        </dd>
        <dt>Provenance</dt>
        <dd>
          {m.provenance.source}
          {m.provenance.externalId ? <span className="mono"> · {m.provenance.externalId}</span> : null}
          {m.provenance.importer ? <span> · imported by {m.provenance.importer}</span> : null}
          {m.provenance.addedBy ? <span> · added by {m.provenance.addedBy}</span> : null} · <Time ms={m.provenance.addedAt} />
        </dd>
        <dt>Matched</dt>
        <dd>
          <Time ms={m.createdAt} />
        </dd>
      </dl>
    </div>
  );
}

function describeAttribution(d: DecisionView): string {
  const a = d.attribution;
  if (!a) return '';
  return [a.group, a.language, a.contentType].filter((v) => v).join(' · ');
}

function DecisionHistory({
  decisions,
  now,
  canApprove,
  canDecide,
  myUserId,
  onChanged,
  items,
}: {
  decisions: DecisionView[];
  now: number;
  canApprove: boolean;
  canDecide: boolean;
  myUserId: string;
  onChanged: () => void;
  items: CaseItem[];
}): ReactNode {
  if (decisions.length === 0) return <p className="muted">No decisions yet.</p>;
  return (
    <ol className="decisions">
      {decisions.map((d) => (
        <li key={d.id} className={`decision decision-${d.status}`} data-decision-id={d.id} aria-label={`Decision ${VERDICT_LABELS[d.verdict]}, ${d.status}`}>
          <p className="decision-head">
            <strong>{VERDICT_LABELS[d.verdict]}</strong> <span className={`status status-decision-${d.status}`}>{d.status.replace('_', ' ')}</span>{' '}
            <span className="muted">
              by {d.reviewer.name}, <Time ms={d.createdAt} />
            </span>
          </p>
          <dl className="facts">
            {d.grounds.length > 0 ? (
              <>
                <dt>Grounds</dt>
                <dd>
                  <ul className="grounds-list">
                    {d.grounds.map((g) => (
                      <li key={g}>
                        Art. 2(7)({g}) {GROUND_LABELS[g]}
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            ) : null}
            {d.exemptPurpose ? (
              <>
                <dt>Exempt purpose</dt>
                <dd>{EXEMPT_PURPOSE_LABELS[d.exemptPurpose]}</dd>
              </>
            ) : null}
            {d.tier ? (
              <>
                <dt>Tier</dt>
                <dd>{TIER_LABELS[d.tier]}</dd>
              </>
            ) : null}
            <dt>Reasons</dt>
            <dd className="decision-reasons">{d.reasons}</dd>
            {describeAttribution(d) ? (
              <>
                <dt>Attribution</dt>
                <dd>{describeAttribution(d)}</dd>
              </>
            ) : null}
            <dt>Items</dt>
            <dd>
              {d.itemIds.length === items.length ? 'every item of the case' : `${d.itemIds.length} of ${items.length} items`}
            </dd>
            {d.proposeOrder ? (
              <>
                <dt>Removal order</dt>
                <dd>proposed; needs a second person’s approval</dd>
              </>
            ) : null}
            {d.publishedAt !== null ? (
              <>
                <dt>Published</dt>
                <dd>
                  <Time ms={d.publishedAt} />
                </dd>
              </>
            ) : null}
            {d.approval ? (
              <>
                <dt>{d.approval.decision === 'approved' ? 'Approved' : 'Rejected'}</dt>
                <dd>
                  by {d.approval.approverName}, <Time ms={d.approval.at} />
                  {d.approval.note ? <span> — “{d.approval.note}”</span> : null}
                </dd>
              </>
            ) : null}
          </dl>
          {d.status === 'draft' && d.undoUntil > now ? (
            <UndoBar decision={d} now={now} mine={d.reviewer.userId === myUserId} canDecide={canDecide} onChanged={onChanged} />
          ) : null}
          {d.status === 'draft' && d.undoUntil <= now ? <p className="muted small" role="status">Publishing…</p> : null}
          {d.status === 'awaiting_approval' && canApprove ? (
            <ApprovalPanel decision={d} mine={d.reviewer.userId === myUserId} onChanged={onChanged} />
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function UndoBar({
  decision,
  now,
  mine,
  canDecide,
  onChanged,
}: {
  decision: DecisionView;
  now: number;
  mine: boolean;
  canDecide: boolean;
  onChanged: () => void;
}): ReactNode {
  const review = useReviewApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const seconds = Math.max(0, Math.ceil((decision.undoUntil - now) / 1000));
  const undo = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await review.undo(decision.id);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="undo-bar" role="status" aria-label="Draft decision">
      <span>
        Draft: publishes in <strong className="countdown">{seconds} s</strong>.
      </span>
      {mine && canDecide ? (
        <button type="button" className="button button-small" onClick={() => void undo()} disabled={busy}>
          Undo
        </button>
      ) : null}
      <ErrorBanner error={error} title="Could not undo." />
    </div>
  );
}

function ApprovalPanel({ decision, mine, onChanged }: { decision: DecisionView; mine: boolean; onChanged: () => void }): ReactNode {
  const review = useReviewApi();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const noteId = `approval-note-${decision.id}`;
  const act = async (which: 'approve' | 'reject'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      if (which === 'approve') await review.approve(decision.id, note.trim() || undefined);
      else await review.reject(decision.id, note.trim() || undefined);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="approval" role="group" aria-label="Approval">
      <div className="field field-wide">
        <label htmlFor={noteId}>Approver’s note</label>
        <textarea id={noteId} rows={2} value={note} onChange={(e) => setNote(e.target.value)} disabled={mine} />
      </div>
      <div className="button-row">
        <button type="button" className="button button-primary" disabled={mine || busy} onClick={() => void act('approve')} aria-describedby={mine ? `${noteId}-own` : undefined}>
          Approve
        </button>
        <button type="button" className="button button-danger" disabled={mine || busy} onClick={() => void act('reject')} aria-describedby={mine ? `${noteId}-own` : undefined}>
          Reject
        </button>
      </div>
      {mine ? (
        <p id={`${noteId}-own`} className="hint">
          You made this decision, so another approver must approve or reject it (four eyes).
        </p>
      ) : null}
      <ErrorBanner error={error} title="Could not record the approval." />
    </div>
  );
}

interface DecisionDraft {
  verdict: Verdict | '';
  exemptPurpose: ExemptPurpose | '';
  grounds: Ground[];
  tier: Tier | '';
  reasons: string;
  outletId: string;
  group: string;
  language: string;
  contentType: string;
  everyItem: boolean;
  itemIds: string[];
  proposeOrder: boolean;
}

function contentTypeOfCapture(sniffed: string | null): string {
  if (!sniffed) return '';
  if (sniffed.startsWith('image/')) return 'image';
  if (sniffed.startsWith('video/')) return 'video';
  if (sniffed.startsWith('audio/')) return 'audio';
  if (sniffed === 'text/html') return 'page';
  if (sniffed === 'application/pdf') return 'document';
  return 'other';
}

function initialDraft(data: CaseDetail): DecisionDraft {
  const labelled = data.items.flatMap((i) => i.matches).find((m) => m.labels.contentType || m.labels.group);
  return {
    verdict: '',
    exemptPurpose: '',
    grounds: [],
    tier: data.case.tier ?? '',
    reasons: '',
    outletId: data.case.outlet?.id ?? '',
    group: labelled?.labels.group ?? '',
    language: data.case.leadItem.language ?? '',
    // Attribution's content type is the bank's kind of material (e.g. a video release); without a
    // labelled match it starts from what the capture is (image, video, page, document).
    contentType: labelled?.labels.contentType ?? contentTypeOfCapture(data.case.leadItem.sniffedType),
    everyItem: true,
    itemIds: data.items.map((i) => i.id),
    proposeOrder: false,
  };
}

function toDecision(d: DecisionDraft, authority: boolean, outletsKnown: boolean): NewDecision {
  const verdict = d.verdict as Verdict;
  const attribution = {
    ...(outletsKnown ? { outletId: d.outletId || null } : {}),
    group: d.group.trim() || null,
    language: d.language.trim() || null,
    contentType: d.contentType.trim() || null,
  };
  return {
    verdict,
    ...(verdict === 'exempt' && d.exemptPurpose ? { exemptPurpose: d.exemptPurpose } : {}),
    ...(verdict === 'terrorist_content' || verdict === 'exempt' ? { grounds: d.grounds } : {}),
    ...(d.tier ? { tier: d.tier } : {}),
    reasons: d.reasons,
    attribution,
    ...(d.everyItem ? {} : { itemIds: d.itemIds }),
    ...(authority && verdict === 'terrorist_content' ? { proposeOrder: d.proposeOrder } : {}),
  };
}

function DecisionPanel({
  data,
  outlets,
  authority,
  onDecided,
}: {
  data: CaseDetail;
  outlets: OutletView[] | null;
  authority: boolean;
  onDecided: () => void;
}): ReactNode {
  const review = useReviewApi();
  const [draft, setDraft] = useState<DecisionDraft>(() => initialDraft(data));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<ReactNode>(null);
  const set = (change: Partial<DecisionDraft>): void => setDraft((d) => ({ ...d, ...change }));
  const toggleGround = (g: Ground): void =>
    setDraft((d) => ({ ...d, grounds: d.grounds.includes(g) ? d.grounds.filter((x) => x !== g) : [...d.grounds, g].sort() }));
  const toggleItem = (id: string): void =>
    setDraft((d) => ({ ...d, itemIds: d.itemIds.includes(id) ? d.itemIds.filter((x) => x !== id) : [...d.itemIds, id] }));

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (draft.verdict === '') return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const d = await review.decide(data.case.id, toDecision(draft, authority, outlets !== null));
      setNotice(`Decision recorded as a draft. You can undo it until it publishes.${d.proposeOrder ? ' The removal order then waits for an approver.' : ''}`);
      setDraft(initialDraft(data));
      onDecided();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const v = draft.verdict;
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Decision">
      <fieldset className="checklist verdicts">
        <legend>Verdict</legend>
        {VERDICTS.map((x) => (
          <label key={x}>
            <input type="radio" name="verdict" value={x} checked={v === x} onChange={() => set({ verdict: x })} required />
            {VERDICT_LABELS[x]}
          </label>
        ))}
      </fieldset>

      {v === 'exempt' ? (
        <div className="field">
          <label htmlFor="decide-purpose">Exempt purpose (TCO Art. 1(3))</label>
          <select id="decide-purpose" value={draft.exemptPurpose} onChange={(e) => set({ exemptPurpose: e.target.value as ExemptPurpose | '' })} required>
            <option value="">choose the purpose…</option>
            {EXEMPT_PURPOSES.map((p) => (
              <option key={p} value={p}>
                {EXEMPT_PURPOSE_LABELS[p]}
              </option>
            ))}
          </select>
        </div>
      ) : null}

      {v === 'terrorist_content' || v === 'exempt' ? (
        <fieldset className="checklist grounds">
          <legend>Grounds (TCO Art. 2(7)): the material…</legend>
          {GROUNDS.map((g) => (
            <label key={g}>
              <input type="checkbox" checked={draft.grounds.includes(g)} onChange={() => toggleGround(g)} />({g}) {GROUND_LABELS[g]}
            </label>
          ))}
          <p className="hint">
            {v === 'exempt'
              ? 'Optional: the exemption is about purpose, so the material may still meet Art. 2(7).'
              : 'At least one. They are the boxes of Annex I section B on a removal order.'}
          </p>
        </fieldset>
      ) : null}

      <div className="form-row">
        <div className="field field-narrow">
          <label htmlFor="decide-tier">Tier</label>
          <select id="decide-tier" value={draft.tier} onChange={(e) => set({ tier: e.target.value as Tier | '' })}>
            <option value="">none</option>
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {TIER_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        {outlets !== null ? (
          <div className="field">
            <label htmlFor="decide-outlet">Outlet</label>
            <select id="decide-outlet" value={draft.outletId} onChange={(e) => set({ outletId: e.target.value })}>
              <option value="">unknown</option>
              {outlets.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="decide-group">Group</label>
          <input id="decide-group" value={draft.group} onChange={(e) => set({ group: e.target.value })} />
        </div>
        <div className="field field-narrow">
          <label htmlFor="decide-language">Language</label>
          <input id="decide-language" spellCheck={false} value={draft.language} onChange={(e) => set({ language: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="decide-content-type">Content type</label>
          <input id="decide-content-type" value={draft.contentType} onChange={(e) => set({ contentType: e.target.value })} />
        </div>
      </div>

      <div className="field field-wide">
        <label htmlFor="decide-reasons">Reasons</label>
        <textarea id="decide-reasons" rows={4} required value={draft.reasons} onChange={(e) => set({ reasons: e.target.value })} />
        <p className="hint">Required. What you saw and why it leads to this verdict; the provider and any court may read it.</p>
      </div>

      <label className="check">
        <input type="checkbox" checked={draft.everyItem} onChange={(e) => set({ everyItem: e.target.checked })} />
        Apply to every item of the case
      </label>
      {!draft.everyItem ? (
        <fieldset className="checklist">
          <legend>Items this decision covers</legend>
          {data.items.map((i) => (
            <label key={i.id}>
              <input type="checkbox" checked={draft.itemIds.includes(i.id)} onChange={() => toggleItem(i.id)} />
              {itemLabel(i)}
            </label>
          ))}
        </fieldset>
      ) : null}

      {authority && v === 'terrorist_content' ? (
        <label className="check">
          <input type="checkbox" checked={draft.proposeOrder} onChange={(e) => set({ proposeOrder: e.target.checked })} />
          Propose a removal order (TCO Art. 3; an approver must approve it)
        </label>
      ) : null}

      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy || v === ''}>
          Record decision
        </button>
      </div>
      <ErrorBanner error={error} title="The decision was not recorded." />
      <Notice>{notice}</Notice>
    </form>
  );
}

function SplitMerge({ data, onMerged }: { data: CaseDetail; onMerged: () => void }): ReactNode {
  const review = useReviewApi();
  const navigate = useNavigate();
  const [picked, setPicked] = useState<string[]>([]);
  const [other, setOther] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const split = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const created = await review.split(data.case.id, picked);
      navigate(`/review/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const merge = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await review.merge(data.case.id, other.trim());
      setNotice('Cases merged.');
      setOther('');
      onMerged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel split-merge">
      <summary>Split or merge</summary>
      {data.items.length > 1 ? (
        <fieldset className="checklist">
          <legend>Move these items to a new case</legend>
          {data.items.map((i) => (
            <label key={i.id}>
              <input
                type="checkbox"
                checked={picked.includes(i.id)}
                onChange={() => setPicked((p) => (p.includes(i.id) ? p.filter((x) => x !== i.id) : [...p, i.id]))}
              />
              {itemLabel(i)}
            </label>
          ))}
          <button
            type="button"
            className="button button-small"
            disabled={busy || picked.length === 0 || picked.length === data.items.length}
            onClick={() => void split()}
          >
            Split into a new case
          </button>
        </fieldset>
      ) : (
        <p className="muted">A case of one item cannot be split.</p>
      )}
      <form className="form-row" onSubmit={(e) => void merge(e)} aria-label="Merge">
        <div className="field">
          <label htmlFor="merge-other">Merge another case into this one (case ID)</label>
          <input id="merge-other" className="mono" value={other} onChange={(e) => setOther(e.target.value)} required />
        </div>
        <button type="submit" className="button" disabled={busy}>
          Merge
        </button>
      </form>
      <ErrorBanner error={error} />
      <Notice>{notice}</Notice>
    </details>
  );
}

/** Notes join the case history, so the next reviewer reads why without asking. */
function NoteForm({ caseId, onAdded }: { caseId: string; onAdded: () => void }): ReactNode {
  const review = useReviewApi();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await review.addNote(caseId, note);
      setNote('');
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel case-note" onSubmit={(e) => void submit(e)} aria-label="Add a note">
      <div className="field">
        <label htmlFor="case-note">Note for the case history</label>
        <textarea id="case-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} required />
      </div>
      <button type="submit" className="button" disabled={busy || note.trim() === ''}>
        Add note
      </button>
      <ErrorBanner error={error} />
    </form>
  );
}

function eventDetail(d: CaseEvent['detail']): string {
  if (d === null || d === undefined) return '';
  if (typeof d === 'string') return d;
  return Object.entries(d)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

function CaseEvents({ events }: { events: CaseEvent[] }): ReactNode {
  return (
    <div className="table-wrap">
      <table className="data case-events">
        <caption className="visually-hidden">Case history, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e, i) => (
            <tr key={i}>
              <td className="nowrap">
                <Time ms={e.at} />
              </td>
              <td>{e.actor}</td>
              <td className="mono">{e.action}</td>
              <td className="small break">{eventDetail(e.detail) || <span className="muted">—</span>}</td>
            </tr>
          ))}
          {events.length === 0 ? (
            <tr>
              <td colSpan={4} className="empty">
                No events yet.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
