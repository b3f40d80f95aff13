/**
 * Removal orders in a provider agency's portal: the list with each order's live clock, and one
 * order's page with what the provider must do under TCO Art. 3 — acknowledge receipt, answer with
 * Annex II (the content was removed or disabled, and when: this stops the clock) or Annex III (why
 * it cannot be executed yet: this pauses the clock), ask for scrutiny of a cross-border order
 * (Art. 4(3)), and report a reinstatement after a voided order (Art. 4(7)).
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import {
  annexProblemsOf,
  ANNEX_SHORT_TEXT_MAX,
  ANNEX_TEXT_MAX,
  MEASURES,
  MEASURE_LABELS,
  OBSTACLES,
  OBSTACLE_LABELS,
  obstacleEndsWithClarification,
  orderApi,
  ORDER_NOTE_MAX,
  ORDER_STATUS_LABELS,
  type Measure,
  type Obstacle,
  type PortalOrderView,
} from '../api/orders';
import { OrderClock } from '../order-clock';
import { useCursorPages } from '../paged-list';
import { useSession } from '../session';
import { EmptyRow, EventTable, LoadMoreButton } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';
import { AnnexISummary, Documents, EVENT_LABELS } from './order.screen';
import { eventDetailText } from './referral.screen';
import { ORDER_STATUS_CLASS } from './orders.screen';

const PAGE_SIZE = 50;
/** How often an order that can still change is read again. */
const ORDER_POLL_MS = 5_000;

/** The portal's "Orders" tab: orders addressed to the agency, newest first, each with its clock. */
export function PortalOrdersTab(): ReactNode {
  const { rows, nextBefore, loading, error, loadMore, reload } = useCursorPages(async (before) => {
    const page = await orderApi.portalList({ limit: PAGE_SIZE, before });
    // Each page's clocks count from the time of its own answer.
    const loadedAt = Date.now();
    return { rows: page.orders.map((o) => ({ ...o, loadedAt })), nextBefore: page.nextBefore };
  }, []);

  return (
    <>
      <p>A removal order must be executed within one hour of receipt (TCO Art. 3(3)). Answer each with Annex II once the content is removed or disabled, or with Annex III if you cannot.</p>
      <div className="toolbar">
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} title="Could not load the orders." />
      <div className="table-wrap">
        <table className="data orders">
          <caption className="visually-hidden">Removal orders addressed to your agency, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">From</th>
              <th scope="col">Status</th>
              <th scope="col">Deadline</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((o) => (
              <tr key={o.id} data-order-id={o.id}>
                <td>
                  <Link to={`/portal/orders/${o.id}`}>{o.referenceNumber}</Link>
                  {o.annexI.emergency.declared ? <span className="tag tag-emergency">emergency</span> : null}
                </td>
                <td>{o.fromAgency.name}</td>
                <td>
                  <span className={`status ${ORDER_STATUS_CLASS[o.status]}`}>{ORDER_STATUS_LABELS[o.status]}</span>
                </td>
                <td>
                  <OrderClock status={o.status} clock={o.clock} loadedAt={o.loadedAt} obstacle={o.clock.obstacle} compact />
                </td>
                <td className="nowrap">
                  <Time ms={o.receivedAt} />
                </td>
              </tr>
            ))}
            {rows.length === 0 ? <EmptyRow columns={5}>{loading ? 'Loading…' : 'No removal orders have been addressed to your agency.'}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {nextBefore !== null ? <LoadMoreButton loading={loading} onLoadMore={loadMore} /> : null}
    </>
  );
}

export function PortalOrderRoute(): ReactNode {
  const { orderId = '' } = useParams();
  return <PortalOrderScreen key={orderId} orderId={orderId} />;
}

function PortalOrderScreen({ orderId }: { orderId: string }): ReactNode {
  const detail = useLoad(async () => ({ order: await orderApi.portalGet(orderId), at: Date.now() }), [orderId]);
  const [acted, setActed] = useState<{ order: PortalOrderView; at: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const loaded = acted && detail.data && acted.at > detail.data.at ? acted : (detail.data ?? acted);
  const o = loaded?.order;
  useTitle(o ? `Order ${o.referenceNumber}` : 'Removal order');
  const { reload } = detail;
  const open = o !== undefined && (o.status === 'issued' || o.status === 'running' || o.status === 'suspended');
  useEffect(() => {
    if (!open) return;
    const timer = window.setTimeout(reload, ORDER_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [open, loaded, reload]);

  const onAnswered = (order: PortalOrderView, message: string): void => {
    setActed({ order, at: Date.now() });
    setNotice(message);
  };

  if (!o || !loaded) {
    return (
      <section aria-labelledby="portal-order-title">
        <p className="breadcrumb">
          <Link to="/portal?tab=orders">Portal</Link>
        </p>
        <h1 id="portal-order-title">Removal order</h1>
        <ErrorBanner error={detail.error} title="Could not load the order." />
        {detail.loading ? <p className="muted">Loading…</p> : null}
      </section>
    );
  }
  const acknowledged = o.timeline.some((e) => e.type === 'acknowledged');
  const obstacle = o.clock.obstacle;
  const now = Date.now();
  const canRequestScrutiny = o.annexI.crossBorder.copySent && o.scrutiny.requestedAt === null && o.scrutiny.outcome === null && o.scrutiny.requestUntil !== null && o.scrutiny.requestUntil > now && open;
  return (
    <section aria-labelledby="portal-order-title">
      <p className="breadcrumb">
        <Link to="/portal?tab=orders">Portal</Link>
      </p>
      <h1 id="portal-order-title">Removal order {o.referenceNumber}</h1>
      <p>
        <span className={`status ${ORDER_STATUS_CLASS[o.status]}`}>{ORDER_STATUS_LABELS[o.status]}</span> from <strong>{o.fromAgency.name}</strong>, issued <Time ms={o.issuedAt} />
        {o.annexI.emergency.declared ? <span className="tag tag-emergency">emergency</span> : null}
      </p>
      <ErrorBanner error={detail.error} title="Could not refresh the order." />
      <Notice>{notice}</Notice>
      <section className={`panel order-clock-panel${o.clock.breachedAt !== null ? ' clock-panel-breached' : ''}`} aria-labelledby="portal-clock-title">
        <h2 id="portal-clock-title">Removal clock</h2>
        <p role="status" aria-label="Removal clock">
          <OrderClock status={o.status} clock={o.clock} loadedAt={loaded.at} obstacle={obstacle} />
        </p>
        <p className="small">
          Received <Time ms={o.receivedAt} />.
        </p>
      </section>

      {open || o.reinstatementDue || canRequestScrutiny ? (
        <section className="panel panel-edit" aria-labelledby="portal-answer-title">
          <h2 id="portal-answer-title">Answer</h2>
          {!acknowledged && open ? <Acknowledge order={o} onAnswered={onAnswered} /> : null}
          {open ? <AnnexIIForm order={o} onAnswered={onAnswered} /> : null}
          {o.status === 'issued' || o.status === 'running' ? <AnnexIIIForm order={o} onAnswered={onAnswered} /> : null}
          {o.status === 'suspended' && obstacle ? (
            <p className="small">
              You reported {OBSTACLE_LABELS[obstacle]}. The issuer {obstacleEndsWithClarification(obstacle) ? 'sends the clarification you asked for' : 'records when the obstacle has ceased'}; a new hour starts then.
            </p>
          ) : null}
          {canRequestScrutiny ? <ScrutinyRequest order={o} onAnswered={onAnswered} /> : null}
          {o.reinstatementDue ? <Reinstated order={o} onAnswered={onAnswered} /> : null}
        </section>
      ) : null}

      <h2>Annex I</h2>
      <AnnexISummary annex={o.annexI} />
      <Documents order={o} fetchDocument={orderApi.portalDocument} />

      <EventTable
        titleId="portal-timeline-title"
        title="Timeline"
        className="order-timeline"
        rows={o.timeline.map((e, i) => ({ key: i, at: e.at, type: e.type, what: EVENT_LABELS[e.type], detail: eventDetailText(e.detail) }))}
      />
    </section>
  );
}

type Answered = (o: PortalOrderView, message: string) => void;

/** A request and its error, for the small answer forms. */
function useAnswer(onAnswered: Answered): { busy: boolean; error: unknown; run: (req: () => Promise<PortalOrderView>, message: string) => Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (req: () => Promise<PortalOrderView>, message: string): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      onAnswered(await req(), message);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function Acknowledge({ order, onAnswered }: { order: PortalOrderView; onAnswered: Answered }): ReactNode {
  const { busy, error, run } = useAnswer(onAnswered);
  return (
    <div className="button-row order-acknowledge">
      <button type="button" className="button" disabled={busy} onClick={() => void run(() => orderApi.acknowledge(order.id), 'Receipt acknowledged.')}>
        Acknowledge receipt
      </button>
      <span className="hint small">{order.receivedAt === null ? 'No delivery was recorded yet: the hour starts now.' : 'The hour already runs from the recorded receipt.'}</span>
      <ErrorBanner error={error} title="Could not acknowledge." />
    </div>
  );
}

/** The problem the server reported for one answer field, shown under it. */
function FieldProblem({ id, error, field }: { id: string; error: unknown; field: string }): ReactNode {
  const p = annexProblemsOf(error).filter((x) => x.field === field);
  if (p.length === 0) return null;
  return (
    <p id={id} className="field-problem error-text">
      {p.map((x) => x.problem).join('; ')}
    </p>
  );
}

/** Who answers for the provider (Annex II/III section A), prefilled with the signed-in person. */
function Responder({ prefix, person, email, onPerson, onEmail, reference, onReference, error }: { prefix: string; person: string; email: string; onPerson: (v: string) => void; onEmail: (v: string) => void; reference: string; onReference: (v: string) => void; error: unknown }): ReactNode {
  return (
    <div className="form-row">
      <div className="field">
        <label htmlFor={`${prefix}-person`}>Authorised person</label>
        <input id={`${prefix}-person`} maxLength={ANNEX_SHORT_TEXT_MAX} value={person} onChange={(e) => onPerson(e.target.value)} required />
        <FieldProblem id={`${prefix}-person-problem`} error={error} field="authorisedPerson" />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-email`}>Contact e-mail</label>
        <input id={`${prefix}-email`} type="email" maxLength={ANNEX_SHORT_TEXT_MAX} value={email} onChange={(e) => onEmail(e.target.value)} required />
        <FieldProblem id={`${prefix}-email-problem`} error={error} field="contactEmail" />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-reference`}>Your reference (optional)</label>
        <input id={`${prefix}-reference`} maxLength={100} value={reference} onChange={(e) => onReference(e.target.value)} />
      </div>
    </div>
  );
}

/** `YYYY-MM-DDTHH:MM:SS` in local time, as a datetime-local input holds it. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

function AnnexIIForm({ order, onAnswered }: { order: PortalOrderView; onAnswered: Answered }): ReactNode {
  const session = useSession();
  const { busy, error, run } = useAnswer(onAnswered);
  const [measure, setMeasure] = useState<Measure>('removed');
  const [when, setWhen] = useState<'now' | 'at'>('now');
  const [at, setAt] = useState(() => localInput(Date.now()));
  const [person, setPerson] = useState(session.user.displayName);
  const [email, setEmail] = useState(session.user.email);
  const [reference, setReference] = useState('');
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const actionAt = when === 'now' ? Date.now() : new Date(at).getTime();
    await run(
      () => orderApi.annexII(order.id, { measure, actionAt, authorisedPerson: person.trim(), contactEmail: email.trim(), ...(reference.trim() ? { providerReference: reference.trim() } : {}) }),
      'Annex II sent: the clock has stopped.',
    );
  };
  return (
    <form className="order-action" aria-labelledby="annex-ii-title" onSubmit={(e) => void submit(e)}>
      <h3 id="annex-ii-title">Annex II: the content is removed or disabled</h3>
      <fieldset className="checklist">
        <legend>Measure, in all Member States</legend>
        {MEASURES.map((m) => (
          <label key={m}>
            <input type="radio" name="annex-ii-measure" checked={measure === m} onChange={() => setMeasure(m)} /> {MEASURE_LABELS[m]}
          </label>
        ))}
      </fieldset>
      <fieldset className="checklist">
        <legend>Time of the measure</legend>
        <label>
          <input type="radio" name="annex-ii-when" checked={when === 'now'} onChange={() => setWhen('now')} /> just now
        </label>
        <label>
          <input type="radio" name="annex-ii-when" checked={when === 'at'} onChange={() => setWhen('at')} /> at
        </label>
        {when === 'at' ? (
          <div className="field field-narrow">
            <label htmlFor="annex-ii-at">Time of the measure (your local time)</label>
            <input id="annex-ii-at" type="datetime-local" step={1} value={at} onChange={(e) => setAt(e.target.value)} required />
          </div>
        ) : null}
        <FieldProblem id="annex-ii-at-problem" error={error} field="actionAt" />
      </fieldset>
      <Responder prefix="annex-ii" person={person} email={email} onPerson={setPerson} onEmail={setEmail} reference={reference} onReference={setReference} error={error} />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          Send Annex II
        </button>
      </div>
      <ErrorBanner error={error} title="Annex II was not recorded." />
    </form>
  );
}

function AnnexIIIForm({ order, onAnswered }: { order: PortalOrderView; onAnswered: Answered }): ReactNode {
  const session = useSession();
  const { busy, error, run } = useAnswer(onAnswered);
  const [obstacle, setObstacle] = useState<Obstacle | ''>('');
  const [explanation, setExplanation] = useState('');
  const [clarification, setClarification] = useState('');
  const [person, setPerson] = useState(session.user.displayName);
  const [email, setEmail] = useState(session.user.email);
  const [reference, setReference] = useState('');
  const needsClarification = obstacle !== '' && obstacleEndsWithClarification(obstacle);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (obstacle === '') return;
    await run(
      () =>
        orderApi.annexIII(order.id, {
          obstacle,
          explanation: explanation.trim(),
          ...(needsClarification ? { clarificationRequested: clarification.trim() } : {}),
          authorisedPerson: person.trim(),
          contactEmail: email.trim(),
          ...(reference.trim() ? { providerReference: reference.trim() } : {}),
        }),
      'Annex III sent: the clock is paused.',
    );
  };
  return (
    <details className="order-action">
      <summary>Annex III: the order cannot be executed yet</summary>
      <form aria-label="Annex III" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="annex-iii-obstacle">Reason</label>
          <select id="annex-iii-obstacle" value={obstacle} onChange={(e) => setObstacle(e.target.value as Obstacle | '')} required>
            <option value="">choose…</option>
            {OBSTACLES.map((o) => (
              <option key={o} value={o}>
                {OBSTACLE_LABELS[o]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-wide">
          <label htmlFor="annex-iii-explanation">Explanation</label>
          <textarea id="annex-iii-explanation" rows={3} maxLength={ANNEX_TEXT_MAX} value={explanation} onChange={(e) => setExplanation(e.target.value)} required />
          <FieldProblem id="annex-iii-explanation-problem" error={error} field="explanation" />
        </div>
        {needsClarification ? (
          <div className="field field-wide">
            <label htmlFor="annex-iii-clarification">What needs clarifying (Art. 3(8))</label>
            <textarea id="annex-iii-clarification" rows={2} maxLength={ANNEX_TEXT_MAX} value={clarification} onChange={(e) => setClarification(e.target.value)} required />
            <FieldProblem id="annex-iii-clarification-problem" error={error} field="clarificationRequested" />
          </div>
        ) : null}
        <Responder prefix="annex-iii" person={person} email={email} onPerson={setPerson} onEmail={setEmail} reference={reference} onReference={setReference} error={error} />
        <div className="button-row">
          <button type="submit" className="button" disabled={busy}>
            Send Annex III
          </button>
        </div>
        <ErrorBanner error={error} title="Annex III was not recorded." />
      </form>
    </details>
  );
}

function ScrutinyRequest({ order, onAnswered }: { order: PortalOrderView; onAnswered: Answered }): ReactNode {
  const { busy, error, run } = useAnswer(onAnswered);
  const [reason, setReason] = useState('');
  return (
    <form
      className="order-action"
      aria-labelledby="scrutiny-title"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => orderApi.requestScrutiny(order.id, reason.trim()), 'Scrutiny requested.');
      }}
    >
      <h3 id="scrutiny-title">Ask for scrutiny (Art. 4(3))</h3>
      <p className="small">
        The order was issued by another Member State than yours: you may ask your competent authority to scrutinise it until <Time ms={order.scrutiny.requestUntil} />.
      </p>
      <div className="field field-wide">
        <label htmlFor="scrutiny-reason">Reasons</label>
        <textarea id="scrutiny-reason" rows={2} maxLength={ANNEX_TEXT_MAX} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <button type="submit" className="button" disabled={busy}>
        Request scrutiny
      </button>
      <ErrorBanner error={error} title="The request was not recorded." />
    </form>
  );
}

function Reinstated({ order, onAnswered }: { order: PortalOrderView; onAnswered: Answered }): ReactNode {
  const { busy, error, run } = useAnswer(onAnswered);
  const [note, setNote] = useState('');
  return (
    <form
      className="order-action"
      aria-labelledby="reinstated-title"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => orderApi.reinstated(order.id, note.trim()), 'Reinstatement recorded.');
      }}
    >
      <h3 id="reinstated-title">Reinstate the content (Art. 4(7))</h3>
      <p className="small">The order was voided on scrutiny after you executed it: reinstate the content without undue delay and record it here.</p>
      <div className="field field-wide">
        <label htmlFor="reinstated-note">Note</label>
        <textarea id="reinstated-note" rows={2} maxLength={ORDER_NOTE_MAX} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <button type="submit" className="button button-primary" disabled={busy}>
        Record reinstatement
      </button>
      <ErrorBanner error={error} title="The reinstatement was not recorded." />
    </form>
  );
}

