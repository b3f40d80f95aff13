/**
 * The portal's "Complaints" tab: content providers' complaints about the agency's removals, recorded
 * here and decided within two weeks (TCO Art. 10(2)) — upheld, or reinstated when the removal was
 * unjustified — and the export of DSA statements of reasons (Transparency Database schema v2) for
 * the agency's removals of referred items, one batch of at most 100 per file.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { COMPLAINT_OUTCOMES, COMPLAINT_REASONS_MAX, COMPLAINT_STATES, COMPLAINT_STATE_LABELS, COMPLAINT_TEXT_MAX, complaintApi, MODERATION_REF_MAX, type ComplaintOutcome, type ComplaintState, type ComplaintSubject, type ComplaintView } from '../api/referrals';
import { StatusBadge } from '../badges';
import { saveBlob } from '../download';
import { SelectField } from '../fields';
import { startOfLocalDay } from '../format';
import { useCursorPages } from '../paged-list';
import { LoadMoreButton } from '../tables';
import { ErrorBanner, Notice, Time } from '../ui';

const PAGE_SIZE = 50;
const SUBJECT_KINDS = ['order', 'referral_item', 'moderation'] as const;
type SubjectKind = (typeof SUBJECT_KINDS)[number];
const SUBJECT_LABELS: Record<SubjectKind, string> = {
  order: 'a removal order you executed',
  referral_item: 'a referred item you removed or disabled',
  moderation: 'a removal of your own initiative',
};
/** Transparency Database v2 values the export form offers (dsa-sor.model.ts holds the full lists the server checks). */
const DECISION_GROUNDS = ['DECISION_GROUND_INCOMPATIBLE_CONTENT', 'DECISION_GROUND_ILLEGAL_CONTENT'] as const;
const CONTENT_TYPES = ['CONTENT_TYPE_TEXT', 'CONTENT_TYPE_VIDEO', 'CONTENT_TYPE_IMAGE', 'CONTENT_TYPE_AUDIO', 'CONTENT_TYPE_SYNTHETIC_MEDIA', 'CONTENT_TYPE_OTHER'] as const;
const AUTOMATED_DECISIONS = ['AUTOMATED_DECISION_NOT_AUTOMATED', 'AUTOMATED_DECISION_PARTIALLY', 'AUTOMATED_DECISION_FULLY'] as const;

function subjectText(s: ComplaintSubject): string {
  if (s.kind === 'order') return `removal order ${s.orderId}`;
  if (s.kind === 'referral_item') return `referred item ${s.itemId} of referral ${s.referralId}`;
  return `your removal ${s.reference}${s.url ? ` (${s.url})` : ''}`;
}

export function PortalComplaintsTab(): ReactNode {
  const [state, setState] = useState<ComplaintState | ''>('');
  const [overdue, setOverdue] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const query = { limit: PAGE_SIZE, ...(state ? { state } : {}), ...(overdue ? { overdue } : {}) };
  const { rows, setRows, nextBefore, loading, error, loadMore, reload } = useCursorPages(async (before) => {
    const page = await complaintApi.list({ ...query, before });
    return { rows: page.complaints, nextBefore: page.nextBefore };
  }, [state, overdue]);

  return (
    <>
      <p>A complaint about one of your removals is decided within two weeks of its receipt (TCO Art. 10(2)); if the removal was unjustified, reinstate the content.</p>
      <RecordComplaint
        onRecorded={(c) => {
          setNotice(`Complaint recorded; the outcome is due by ${new Date(c.dueAt).toLocaleString()}.`);
          reload();
        }}
      />
      <Notice>{notice}</Notice>
      <div className="toolbar">
        <SelectField id="complaints-state" label="State" width="narrow" value={state} empty="any" options={COMPLAINT_STATES} labels={COMPLAINT_STATE_LABELS} onChange={setState} />
        <label className="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> Only overdue
        </label>
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} title="Could not load the complaints." />
      {rows.length === 0 ? (
        <p className="muted">{loading ? 'Loading…' : 'No complaints.'}</p>
      ) : (
        <ol className="messages" aria-label="Complaints, newest first">
          {rows.map((c) => (
            <ComplaintCard key={c.id} complaint={c} onDecided={(d) => setRows((prev) => prev.map((x) => (x.id === d.id ? d : x)))} />
          ))}
        </ol>
      )}
      {nextBefore !== null ? <LoadMoreButton loading={loading} onLoadMore={loadMore} /> : null}
      <StatementsExport />
    </>
  );
}

function RecordComplaint({ onRecorded }: { onRecorded: (c: ComplaintView) => void }): ReactNode {
  const [kind, setKind] = useState<SubjectKind>('order');
  const [orderId, setOrderId] = useState('');
  const [referralId, setReferralId] = useState('');
  const [itemId, setItemId] = useState('');
  const [reference, setReference] = useState('');
  const [url, setUrl] = useState('');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const subject: ComplaintSubject =
      kind === 'order' ? { kind, orderId: orderId.trim() } : kind === 'referral_item' ? { kind, referralId: referralId.trim(), itemId: itemId.trim() } : { kind, reference: reference.trim(), ...(url.trim() ? { url: url.trim() } : {}) };
    setBusy(true);
    setError(null);
    try {
      const d = await complaintApi.record({ subject, receivedAt: Date.now(), text: text.trim() });
      setText('');
      onRecorded(d.complaint);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="panel">
      <summary>Record a complaint</summary>
      <form onSubmit={(e) => void submit(e)} aria-label="Record a complaint">
        <div className="field">
          <label htmlFor="complaint-kind">About</label>
          <select id="complaint-kind" value={kind} onChange={(e) => setKind(e.target.value as SubjectKind)}>
            {SUBJECT_KINDS.map((k) => (
              <option key={k} value={k}>
                {SUBJECT_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
        {kind === 'order' ? (
          <div className="field">
            <label htmlFor="complaint-order">Order ID (from the order’s page)</label>
            <input id="complaint-order" className="mono" value={orderId} onChange={(e) => setOrderId(e.target.value)} required />
          </div>
        ) : kind === 'referral_item' ? (
          <div className="form-row">
            <div className="field">
              <label htmlFor="complaint-referral">Referral ID</label>
              <input id="complaint-referral" className="mono" value={referralId} onChange={(e) => setReferralId(e.target.value)} required />
            </div>
            <div className="field">
              <label htmlFor="complaint-item">Item ID</label>
              <input id="complaint-item" className="mono" value={itemId} onChange={(e) => setItemId(e.target.value)} required />
            </div>
          </div>
        ) : (
          <div className="form-row">
            <div className="field">
              <label htmlFor="complaint-reference">Your reference</label>
              <input id="complaint-reference" maxLength={MODERATION_REF_MAX} value={reference} onChange={(e) => setReference(e.target.value)} required />
            </div>
            <div className="field">
              <label htmlFor="complaint-url">URL (optional)</label>
              <input id="complaint-url" value={url} onChange={(e) => setUrl(e.target.value)} />
            </div>
          </div>
        )}
        <div className="field field-wide">
          <label htmlFor="complaint-text">The complaint</label>
          <textarea id="complaint-text" rows={3} maxLength={COMPLAINT_TEXT_MAX} value={text} onChange={(e) => setText(e.target.value)} required />
          <p className="hint">Recorded as received now; the two weeks run from it.</p>
        </div>
        <button type="submit" className="button button-primary" disabled={busy}>
          Record complaint
        </button>
        <ErrorBanner error={error} title="The complaint was not recorded." />
      </form>
    </details>
  );
}

function ComplaintCard({ complaint: c, onDecided }: { complaint: ComplaintView; onDecided: (c: ComplaintView) => void }): ReactNode {
  const [outcome, setOutcome] = useState<ComplaintOutcome | ''>('');
  const [reasons, setReasons] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const decide = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (outcome === '') return;
    setBusy(true);
    setError(null);
    try {
      onDecided((await complaintApi.decide(c.id, { outcome, reasons: reasons.trim() })).complaint);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const name = `complaint-${c.id}`;
  return (
    <li className="message panel" aria-label={`Complaint about ${subjectText(c.subject)}`} data-complaint-id={c.id}>
      <p className="message-meta">
        <StatusBadge tone={c.state === 'open' ? (c.overdue ? 'bad' : 'warn') : 'ok'}>{c.overdue ? 'overdue' : COMPLAINT_STATE_LABELS[c.state]}</StatusBadge> about {subjectText(c.subject)} · received <Time ms={c.receivedAt} /> · due <Time ms={c.dueAt} />
      </p>
      <div className="message-text">{c.text}</div>
      {c.state !== 'open' ? (
        <p className="small">
          Decided <Time ms={c.decidedAt} />: {c.reasons}
          {c.reinstatedAt !== null ? (
            <>
              {' '}
              (reinstated <Time ms={c.reinstatedAt} />)
            </>
          ) : null}
        </p>
      ) : (
        <form onSubmit={(e) => void decide(e)} aria-label="Decide the complaint">
          <fieldset className="checklist">
            <legend>Outcome</legend>
            {COMPLAINT_OUTCOMES.map((o) => (
              <label key={o}>
                <input type="radio" name={name} checked={outcome === o} onChange={() => setOutcome(o)} required /> {o === 'upheld' ? 'the removal stands' : 'unjustified: the content is reinstated now'}
              </label>
            ))}
          </fieldset>
          <div className="field field-wide">
            <label htmlFor={`${name}-reasons`}>Reasons</label>
            <textarea id={`${name}-reasons`} rows={2} maxLength={COMPLAINT_REASONS_MAX} value={reasons} onChange={(e) => setReasons(e.target.value)} required />
          </div>
          <button type="submit" className="button button-primary" disabled={busy || outcome === ''}>
            Decide
          </button>
          <ErrorBanner error={error} title="The decision was not recorded." />
        </form>
      )}
    </li>
  );
}

/** DSA statements of reasons for the removals of referred items in a date range, one batch per file. */
function StatementsExport(): ReactNode {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [ground, setGround] = useState<(typeof DECISION_GROUNDS)[number]>('DECISION_GROUND_INCOMPATIBLE_CONTENT');
  const [groundText, setGroundText] = useState('');
  const [explanation, setExplanation] = useState('');
  const [contentType, setContentType] = useState<(typeof CONTENT_TYPES)[number]>('CONTENT_TYPE_VIDEO');
  const [automatedDetection, setAutomatedDetection] = useState<'Yes' | 'No'>('No');
  const [automatedDecision, setAutomatedDecision] = useState<(typeof AUTOMATED_DECISIONS)[number]>('AUTOMATED_DECISION_NOT_AUTOMATED');
  const [scope, setScope] = useState('');
  const [batch, setBatch] = useState(0);
  const [hasMore, setHasMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const illegal = ground === 'DECISION_GROUND_ILLEGAL_CONTENT';
  const fields: Record<string, unknown> = {
    decision_ground: ground,
    ...(illegal ? { illegal_content_legal_ground: groundText, illegal_content_explanation: explanation } : { incompatible_content_ground: groundText, incompatible_content_explanation: explanation, incompatible_content_illegal: 'Yes' }),
    content_type: [contentType],
    automated_detection: automatedDetection,
    automated_decision: automatedDecision,
    territorial_scope: scope
      .split(/[\s,]+/)
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  };

  const exportBatch = async (n: number, e?: FormEvent<HTMLFormElement>): Promise<void> => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    const fromMs = startOfLocalDay(from);
    const toDay = startOfLocalDay(to);
    try {
      const answer = await complaintApi.statements({ fields, batch: n, ...(fromMs !== undefined ? { from: fromMs } : {}), ...(toDay !== undefined ? { to: toDay + 24 * 3_600_000 } : {}) });
      saveBlob(new Blob([JSON.stringify(answer.statements, null, 2)], { type: 'application/json' }), `statements-of-reasons-batch-${n}.json`);
      setBatch(n);
      setHasMore(answer.hasMore);
      setNotice(`${answer.statements.length} statement${answer.statements.length === 1 ? '' : 's'} in batch ${n + 1} saved.${answer.hasMore ? ' More remain: export the next batch.' : ''}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="sor-title">
      <h2 id="sor-title">DSA statements of reasons</h2>
      <p className="small">For your removals and disablings of referred items, in the Transparency Database’s schema v2, at most 100 per file as its API takes them. No personal data is included.</p>
      <form onSubmit={(e) => void exportBatch(0, e)} aria-label="Export statements of reasons">
        <div className="form-row">
          <div className="field field-narrow">
            <label htmlFor="sor-from">From (optional)</label>
            <input id="sor-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="field field-narrow">
            <label htmlFor="sor-to">To (optional)</label>
            <input id="sor-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="sor-ground">Decision ground</label>
            <select id="sor-ground" value={ground} onChange={(e) => setGround(e.target.value as typeof ground)}>
              {DECISION_GROUNDS.map((g) => (
                <option key={g} value={g}>
                  {g === 'DECISION_GROUND_ILLEGAL_CONTENT' ? 'illegal content' : 'incompatible with the terms of service'}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="sor-content-type">Content type</label>
            <select id="sor-content-type" value={contentType} onChange={(e) => setContentType(e.target.value as typeof contentType)}>
              {CONTENT_TYPES.map((c) => (
                <option key={c} value={c}>
                  {c.replace('CONTENT_TYPE_', '').toLowerCase().replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="form-row">
          <div className="field">
            <label htmlFor="sor-ground-text">{illegal ? 'Legal ground' : 'Terms-of-service ground'}</label>
            <input id="sor-ground-text" maxLength={500} value={groundText} onChange={(e) => setGroundText(e.target.value)} required />
          </div>
          <div className="field field-wide">
            <label htmlFor="sor-explanation">Explanation</label>
            <input id="sor-explanation" maxLength={2000} value={explanation} onChange={(e) => setExplanation(e.target.value)} required />
          </div>
        </div>
        <div className="form-row">
          <div className="field field-narrow">
            <label htmlFor="sor-detection">Automated detection</label>
            <select id="sor-detection" value={automatedDetection} onChange={(e) => setAutomatedDetection(e.target.value as 'Yes' | 'No')}>
              <option value="No">No</option>
              <option value="Yes">Yes</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="sor-decision">Automated decision</label>
            <select id="sor-decision" value={automatedDecision} onChange={(e) => setAutomatedDecision(e.target.value as typeof automatedDecision)}>
              {AUTOMATED_DECISIONS.map((a) => (
                <option key={a} value={a}>
                  {a.replace('AUTOMATED_DECISION_', '').toLowerCase().replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="sor-scope">Territorial scope (country codes)</label>
            <input id="sor-scope" value={scope} onChange={(e) => setScope(e.target.value)} placeholder="DE, FR" required />
          </div>
        </div>
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={busy}>
            Export statements (JSON)
          </button>
          {hasMore ? (
            <button type="button" className="button" disabled={busy} onClick={() => void exportBatch(batch + 1)}>
              Export the next batch
            </button>
          ) : null}
        </div>
        <ErrorBanner error={error} title="Nothing was exported." />
        <Notice>{notice}</Notice>
      </form>
    </section>
  );
}
