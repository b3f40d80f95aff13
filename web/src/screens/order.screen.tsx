/**
 * One removal order from the issuer's side: the live one-hour clock (TCO Art. 3(3); paused while an
 * Annex III obstacle is open, Art. 3(7)/(8); "executed in N minutes" once Annex II came; breached in
 * red), the Annex I summary, the signed documents, every dispatch with its delivery log, the full
 * timeline, and the issuer's actions: four-eyes approval (not by the proposer), withdrawal, the end
 * of an obstacle or the clarification, the host State's scrutiny outcome (Art. 4) and the
 * non-disclosure extension (Art. 11(3)). While the order can still change, the page looks again on
 * its own, so the provider's answers appear without a reload.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import {
  AUTHORITY_TYPE_LABELS,
  NON_DISCLOSURE_MAX_EXTENSIONS,
  OBSTACLE_LABELS,
  ORDER_NOTE_MAX,
  ORDER_STATUS_LABELS,
  obstacleEndsWithClarification,
  orderApi,
  type AnnexIView,
  type OrderEventView,
  type OrderStatus,
  type OrderView,
} from '../api/orders';
import type { Download } from '../api/client';
import { EventTable } from '../tables';
import { providerApi } from '../api/providers';
import { GROUND_LABELS } from '../api/review';
import { DispatchTable } from '../dispatch-table';
import { saveBlob } from '../download';
import { OrderClock } from '../order-clock';
import { can, useSession } from '../session';
import { ErrorBanner, Notice, ShortHash, Time, useLoad, useTitle } from '../ui';
import { ORDER_STATUS_CLASS } from './orders.screen';

/** How often an order that can still change is read again. */
const ORDER_POLL_MS = 3_000;
/** Statuses in which the provider may still answer or a delivery is still coming. */
const LIVE: readonly OrderStatus[] = ['proposed', 'issued', 'running', 'suspended'];

export const EVENT_LABELS: Record<OrderEventView['type'], string> = {
  proposed: 'proposed',
  approved: 'approved (four eyes)',
  rejected: 'rejected (four eyes)',
  issued: 'issued and signed',
  copy_sent: 'copy sent to the host State authority (Art. 4(1))',
  dispatched: 'dispatched to the provider',
  received: 'received by the provider — the hour starts',
  acknowledged: 'acknowledged by the provider',
  escalated: 'escalated before the deadline',
  breached: 'deadline breached',
  annex_iii: 'Annex III: cannot execute yet — clock paused',
  obstacle_ceased: 'obstacle ceased — a new hour starts (Art. 3(7))',
  clarification_sent: 'clarification sent — a new hour starts (Art. 3(8))',
  annex_ii: 'Annex II: content removed or disabled — clock stopped',
  scrutiny_requested: 'scrutiny requested (Art. 4(3))',
  scrutiny_upheld: 'scrutiny: order upheld',
  infringement_found: 'scrutiny: infringement found — order voided (Art. 4(7))',
  reinstated: 'content reinstated',
  withdrawn: 'withdrawn',
  non_disclosure_extended: 'non-disclosure extended (Art. 11(3))',
};

function detailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => {
      if (Array.isArray(v)) return `${k}=${v.map(String).join(', ')}`;
      if (typeof v === 'number' && /At$|^deadline$|^until$/.test(k)) return `${k}=${new Date(v).toISOString()}`;
      if (typeof v === 'object') return `${k}=${JSON.stringify(v)}`;
      return `${k}=${String(v)}`;
    })
    .join('; ');
}

/** The Art. 4(1) copy names its recipient; other events list their detail. */
function eventDetailText(e: OrderEventView): string {
  if (e.type !== 'copy_sent' || typeof e.detail.to !== 'string') return detailText(e.detail);
  const { hostAuthority, to, ...rest } = e.detail;
  const recipient = typeof hostAuthority === 'string' && hostAuthority ? `${hostAuthority} <${to}>` : to;
  return [`to ${recipient}`, detailText(rest)].filter(Boolean).join('; ');
}

export function OrderRoute(): ReactNode {
  const { orderId = '' } = useParams();
  return <OrderScreen key={orderId} orderId={orderId} />;
}

function OrderScreen({ orderId }: { orderId: string }): ReactNode {
  const session = useSession();
  const detail = useLoad(async () => ({ order: await orderApi.get(orderId), at: Date.now() }), [orderId]);
  // Every action answers with the order as stored: shown at once.
  const [acted, setActed] = useState<{ order: OrderView; at: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const loaded = acted && detail.data && acted.at > detail.data.at ? acted : (detail.data ?? acted);
  const o = loaded?.order;
  useTitle(o ? `Order ${o.referenceNumber}` : 'Removal order');
  const provider = useLoad(() => (o ? providerApi.get(o.providerId) : Promise.resolve(null)), [o?.providerId]);

  const { reload } = detail;
  const live = o !== undefined && (LIVE.includes(o.status) || o.dispatches.some((d) => d.state === 'queued' || d.state === 'delivering'));
  useEffect(() => {
    if (!live) return;
    const timer = window.setTimeout(reload, ORDER_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [live, loaded, reload]);

  const onActed = (order: OrderView, message: string): void => {
    setActed({ order, at: Date.now() });
    setNotice(message);
  };

  if (!o || !loaded) {
    return (
      <section aria-labelledby="order-title">
        <p className="breadcrumb">
          <Link to="/orders">Removal orders</Link>
        </p>
        <h1 id="order-title">Removal order</h1>
        <ErrorBanner error={detail.error} title="Could not load the order." />
        {detail.loading ? <p className="muted">Loading…</p> : null}
      </section>
    );
  }

  const proposer = o.events.find((e) => e.type === 'proposed')?.actor ?? o.proposedBy;
  const approver = o.events.find((e) => e.type === 'approved')?.actor ?? o.approvedBy;
  const copySentAt = o.events.find((e) => e.type === 'copy_sent')?.at ?? null;
  return (
    <section aria-labelledby="order-title">
      <p className="breadcrumb">
        <Link to="/orders">Removal orders</Link>
      </p>
      <h1 id="order-title">Order {o.referenceNumber}</h1>
      <p className="bank-badges">
        <span className={`status ${ORDER_STATUS_CLASS[o.status]}`}>{ORDER_STATUS_LABELS[o.status]}</span>{' '}
        {o.emergency ? <span className="tag tag-emergency">emergency (Art. 3(2))</span> : null} {o.crossBorder ? <span className="tag">cross-border (Art. 4)</span> : null}
      </p>
      <ErrorBanner error={detail.error} title="Could not refresh the order." />
      <Notice>{notice}</Notice>

      <section className={`panel order-clock-panel${o.clock.breachedAt !== null ? ' clock-panel-breached' : ''}`} aria-labelledby="order-clock-title">
        <h2 id="order-clock-title">Removal clock</h2>
        <p role="status" aria-label="Removal clock">
          <OrderClock status={o.status} clock={o.clock} loadedAt={loaded.at} obstacle={o.clock.obstacle} />
        </p>
        {o.clock.escalateAt !== null && o.status === 'running' ? (
          <p className="small muted">
            Escalation at <Time ms={o.clock.escalateAt} />.
          </p>
        ) : null}
      </section>

      <IssuerActions order={o} onActed={onActed} myUserId={session.user.id} canApprove={can(session, 'review.approve')} canDecide={can(session, 'review.decide')} />

      <h2>Order</h2>
      <dl className="facts">
        <dt>Provider</dt>
        <dd>
          <Link to={`/providers/${o.providerId}`}>{provider.data?.name ?? o.annexI.addressee.providerName}</Link>
        </dd>
        <dt>Proposed</dt>
        <dd>
          <Time ms={o.proposedAt} /> by {proposer}
        </dd>
        {o.approvedAt !== null ? (
          <>
            <dt>Approved</dt>
            <dd>
              <Time ms={o.approvedAt} /> by {approver}
            </dd>
          </>
        ) : null}
        <dt>Issued</dt>
        <dd>
          <Time ms={o.issuedAt} />
        </dd>
        <dt>Received</dt>
        <dd>
          <Time ms={o.receivedAt} />
        </dd>
        <dt>Final</dt>
        <dd>
          <Time ms={o.finalAt} /> {o.finalAt !== null ? <span className="small muted">(when the appeal period lapses)</span> : null}
        </dd>
        {o.annexI.nonDisclosure.withheld ? (
          <>
            <dt>Not disclosed until</dt>
            <dd>
              <Time ms={o.nonDisclosureUntil} /> <span className="small muted">({o.nonDisclosureExtensions} extension{o.nonDisclosureExtensions === 1 ? '' : 's'})</span>
            </dd>
          </>
        ) : null}
        {o.crossBorder ? (
          <>
            <dt>Art. 4(1) copy</dt>
            <dd>
              to {o.hostAuthority ?? 'the host State authority'} {o.hostAuthorityEmail ? <span className="small">&lt;{o.hostAuthorityEmail}&gt;</span> : null} ·{' '}
              {copySentAt !== null ? (
                <>
                  sent <Time ms={copySentAt} />
                </>
              ) : o.issuedAt !== null ? (
                'sending'
              ) : (
                'sent when the order is issued'
              )}
            </dd>
            <dt>Scrutiny</dt>
            <dd>
              {o.scrutiny.outcome ? `outcome: ${o.scrutiny.outcome}` : o.scrutiny.requestedAt !== null ? 'requested' : 'none requested'}
              {o.scrutiny.requestUntil !== null ? (
                <>
                  {' '}
                  · requests until <Time ms={o.scrutiny.requestUntil} />
                </>
              ) : null}
              {o.scrutiny.decisionDue !== null ? (
                <>
                  {' '}
                  · decision due <Time ms={o.scrutiny.decisionDue} />
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        {o.reinstatementDue || o.reinstatedAt !== null ? (
          <>
            <dt>Reinstatement</dt>
            <dd>{o.reinstatedAt !== null ? <Time ms={o.reinstatedAt} /> : <span className="status status-warn">due (Art. 4(7))</span>}</dd>
          </>
        ) : null}
        <dt>Case</dt>
        <dd>{o.caseId ? <Link to={`/review/${o.caseId}`}>the review case</Link> : <span className="muted">—</span>}</dd>
      </dl>

      <Documents order={o} fetchDocument={orderApi.document} />

      <h2 id="annex-title">Annex I</h2>
      <AnnexISummary annex={o.annexI} />

      <DispatchTable dispatches={o.dispatches} caption={`Messages sent for order ${o.referenceNumber}`} empty={o.issuedAt === null ? 'Nothing is sent before the order is approved.' : 'No dispatches yet.'} />

      <EventTable
        titleId="timeline-title"
        title="Timeline"
        className="order-timeline"
        withWho
        rows={o.events.map((e) => ({ key: e.seq, at: e.at, type: e.type, what: EVENT_LABELS[e.type], who: e.actor, detail: eventDetailText(e) }))}
      />
    </section>
  );
}

/** The signed documents of an issued order, downloaded by the issuer or, from its portal, by the provider. */
export function Documents({ order: o, fetchDocument }: { order: Pick<OrderView, 'id' | 'document'>; fetchDocument: (orderId: string, kind: 'json' | 'pdf') => Promise<Download> }): ReactNode {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!o.document) return null;
  const doc = o.document;
  const get = async (kind: 'json' | 'pdf'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const d = await fetchDocument(o.id, kind);
      saveBlob(d.blob, d.filename ?? `removal-order-${o.id}.${kind}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="registry-section" aria-labelledby="documents-title">
      <h2 id="documents-title">Signed documents</h2>
      <p className="small">The JSON document is what was signed (Ed25519, instance key); the PDF renders the same data. Each download is recorded in the audit log.</p>
      <div className="button-row">
        <button type="button" className="button" disabled={busy} onClick={() => void get('pdf')}>
          Download PDF
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void get('json')}>
          Download signed JSON
        </button>
      </div>
      <ErrorBanner error={error} title="Could not download the document." />
      <dl className="facts small">
        <dt>JSON</dt>
        <dd>
          <ShortHash hash={doc.sha256} chars={16} />
        </dd>
        <dt>PDF</dt>
        <dd>
          <ShortHash hash={doc.pdfSha256} chars={16} />
        </dd>
        <dt>Key</dt>
        <dd className="mono">{doc.keyId}</dd>
      </dl>
    </section>
  );
}

/** Annex I sections A–G as the provider reads them. */
export function AnnexISummary({ annex: a }: { annex: AnnexIView }): ReactNode {
  return (
    <dl className="facts annex-i">
      <dt>A. Issuing State</dt>
      <dd>{a.issuingState}</dd>
      <dt>A. Addressee</dt>
      <dd>
        {a.addressee.providerName}
        {a.addressee.legalRepresentative ? <div className="small">legal representative: {a.addressee.legalRepresentative}</div> : null}
        <div className="small muted">contact point: {a.addressee.contactPoint}</div>
        <div className="small muted">main establishment: {a.addressee.mainEstablishment ?? 'outside the EU/EEA'}</div>
      </dd>
      <dt>A. Reference</dt>
      <dd className="mono">{a.referenceNumber}</dd>
      <dt>A. Issued</dt>
      <dd>
        <Time ms={a.issuedAt} />
      </dd>
      <dt>B. Content</dt>
      <dd>
        <ul className="inline-list-block">
          {a.items.map((i) => (
            <li key={i.url} className="mono break">
              {i.url}
              {i.locating ? <span className="small muted"> — {i.locating}</span> : null}
            </li>
          ))}
        </ul>
      </dd>
      <dt>B. Grounds</dt>
      <dd>
        <ul className="grounds-list">
          {a.grounds.map((g) => (
            <li key={g}>
              Art. 2(7)({g}) {GROUND_LABELS[g]}
            </li>
          ))}
        </ul>
      </dd>
      <dt>B. Reasons</dt>
      <dd className="prewrap">{a.reasons}</dd>
      <dt>C. Non-disclosure</dt>
      <dd>{a.nonDisclosure.withheld ? `do not inform the content provider (Art. 11(3)): ${a.nonDisclosure.reason ?? ''}` : 'the content provider may be informed'}</dd>
      <dt>D. Cross-border</dt>
      <dd>{a.crossBorder.copySent ? `copy sent to ${a.crossBorder.hostAuthority ?? 'the host State authority'} (Art. 4)` : 'no'}</dd>
      <dt>E. Issuing authority</dt>
      <dd>
        {a.authority.name} <span className="muted">({AUTHORITY_TYPE_LABELS[a.authority.type]})</span>
        <div className="small">
          {a.authority.representative} · file {a.authority.fileNumber}
        </div>
        <div className="small muted">
          {a.authority.address} · {a.authority.telephone} · {a.authority.email}
        </div>
      </dd>
      <dt>F. Follow-up</dt>
      <dd>
        {a.followUpContact.name} · {a.followUpContact.email}
        {a.followUpContact.telephone ? ` · ${a.followUpContact.telephone}` : ''}
      </dd>
      <dt>G. Redress</dt>
      <dd>
        {a.redress.body} · {a.redress.deadline} · {a.redress.lawReference}
      </dd>
      <dt>Emergency</dt>
      <dd>{a.emergency.declared ? `yes: ${a.emergency.reason ?? ''}` : 'no'}</dd>
    </dl>
  );
}

interface ActionButton {
  label: string;
  danger?: boolean;
  run: (text: string) => Promise<OrderView>;
  done: string;
}

/** One issuer action: an optional or required text, and its buttons. */
function ActionForm({
  id,
  title,
  about,
  textLabel,
  required,
  buttons,
  disabledReason,
  onActed,
}: {
  id: string;
  title: string;
  about: ReactNode;
  textLabel: string;
  required: boolean;
  buttons: ActionButton[];
  disabledReason?: string | null;
  onActed: (o: OrderView, message: string) => void;
}): ReactNode {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const disabled = busy || Boolean(disabledReason);
  const act = async (b: ActionButton, e?: FormEvent<HTMLFormElement>): Promise<void> => {
    e?.preventDefault();
    if (required && text.trim() === '') return;
    setBusy(true);
    setError(null);
    try {
      onActed(await b.run(text.trim()), b.done);
      setText('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="order-action" aria-labelledby={`${id}-title`} onSubmit={(e) => void act(buttons[0]!, e)}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p className="small">{about}</p>
      <div className="field field-wide">
        <label htmlFor={`${id}-text`}>
          {textLabel}
          {required ? '' : ' (optional)'}
        </label>
        <textarea id={`${id}-text`} rows={2} maxLength={ORDER_NOTE_MAX} value={text} required={required} disabled={Boolean(disabledReason)} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="button-row">
        {buttons.map((b, i) => (
          <button
            key={b.label}
            type={i === 0 ? 'submit' : 'button'}
            className={`button ${b.danger ? 'button-danger' : i === 0 ? 'button-primary' : ''}`}
            disabled={disabled}
            onClick={i === 0 ? undefined : () => void act(b)}
            aria-describedby={disabledReason ? `${id}-why` : undefined}
          >
            {b.label}
          </button>
        ))}
      </div>
      {disabledReason ? (
        <p id={`${id}-why`} className="hint">
          {disabledReason}
        </p>
      ) : null}
      <ErrorBanner error={error} title={`${title}: not recorded.`} />
    </form>
  );
}

function IssuerActions({
  order: o,
  onActed,
  myUserId,
  canApprove,
  canDecide,
}: {
  order: OrderView;
  onActed: (o: OrderView, message: string) => void;
  myUserId: string;
  canApprove: boolean;
  canDecide: boolean;
}): ReactNode {
  const forms: ReactNode[] = [];
  const obstacle = o.clock.obstacle;
  if (o.status === 'proposed' && canApprove) {
    const mine = o.proposedBy === myUserId;
    forms.push(
      <ActionForm
        key="approval"
        id="order-approval"
        title="Approval (four eyes)"
        about="Approving issues the order: Vigil signs it and sends it to every channel of the provider. A first order to a provider needs the 12-hour notice (Art. 3(2)) unless it is an emergency."
        textLabel="Approver’s note"
        required={false}
        disabledReason={mine ? 'You proposed this order, so another approver must approve or reject it (four eyes).' : null}
        buttons={[
          { label: 'Approve and issue', run: (t) => orderApi.approve(o.id, t), done: 'Order approved and issued.' },
          { label: 'Reject', danger: true, run: (t) => orderApi.reject(o.id, t), done: 'Order rejected.' },
        ]}
        onActed={onActed}
      />,
    );
  }
  if (o.status === 'suspended' && canDecide && obstacle !== null) {
    forms.push(
      obstacleEndsWithClarification(obstacle) ? (
        <ActionForm
          key="clarify"
          id="order-clarify"
          title="Send the clarification (Art. 3(8))"
          about={`The provider reported ${OBSTACLE_LABELS[obstacle]}. The clarification is sent to it; a new hour starts on its receipt.`}
          textLabel="Clarification"
          required
          buttons={[{ label: 'Send clarification', run: (t) => orderApi.clarify(o.id, t), done: 'Clarification sent; the hour starts again.' }]}
          onActed={onActed}
        />
      ) : (
        <ActionForm
          key="ceased"
          id="order-ceased"
          title="Obstacle ceased (Art. 3(7))"
          about={`The provider reported ${OBSTACLE_LABELS[obstacle]}. Record that it has ceased; a new hour starts now.`}
          textLabel="Note"
          required={false}
          buttons={[{ label: 'Record obstacle ceased', run: (t) => orderApi.obstacleCeased(o.id, t), done: 'Obstacle ceased; the hour starts again.' }]}
          onActed={onActed}
        />
      ),
    );
  }
  if (o.crossBorder && o.issuedAt !== null && o.scrutiny.outcome === null && canApprove && o.status !== 'withdrawn') {
    forms.push(
      <ActionForm
        key="scrutiny"
        id="order-scrutiny"
        title="Scrutiny outcome (Art. 4(4))"
        about="Record what the host State’s competent authority decided. An infringement voids the order; the provider must reinstate the content."
        textLabel="Note"
        required={false}
        buttons={[
          { label: 'Order upheld', run: (t) => orderApi.recordScrutiny(o.id, 'upheld', t), done: 'Scrutiny outcome recorded: upheld.' },
          { label: 'Infringement found', danger: true, run: (t) => orderApi.recordScrutiny(o.id, 'infringement_found', t), done: 'Scrutiny outcome recorded: the order is voided.' },
        ]}
        onActed={onActed}
      />,
    );
  }
  if (o.annexI.nonDisclosure.withheld && o.issuedAt !== null && o.nonDisclosureExtensions < NON_DISCLOSURE_MAX_EXTENSIONS && canApprove) {
    forms.push(
      <ActionForm
        key="nd"
        id="order-nd"
        title="Extend non-disclosure (Art. 11(3))"
        about="Six more weeks in which the content provider is not told, once."
        textLabel="Why disclosure is still withheld"
        required
        buttons={[{ label: 'Extend by six weeks', run: (t) => orderApi.extendNonDisclosure(o.id, t), done: 'Non-disclosure extended by six weeks.' }]}
        onActed={onActed}
      />,
    );
  }
  if ((o.status === 'issued' || o.status === 'running' || o.status === 'suspended') && canApprove) {
    forms.push(
      <ActionForm
        key="withdraw"
        id="order-withdraw"
        title="Withdraw the order"
        about="The provider is told through the portal timeline; the clock stops."
        textLabel="Reason"
        required
        buttons={[{ label: 'Withdraw', danger: true, run: (t) => orderApi.withdraw(o.id, t), done: 'Order withdrawn.' }]}
        onActed={onActed}
      />,
    );
  }
  if (forms.length === 0) return null;
  return (
    <section className="panel panel-edit order-actions" aria-labelledby="order-actions-title">
      <h2 id="order-actions-title">Actions</h2>
      {forms}
    </section>
  );
}

