/**
 * One referral from the issuer's side: its state, each item with the provider's outcome, the
 * history, every dispatch with its delivery log, and the issuer's actions: send the draft, close it.
 * While the provider may still answer, the page looks again on its own.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { providerApi } from '../api/providers';
import { ANSWERABLE_STATES, OUTCOME_LABELS, referralApi, REFERRAL_NOTE_MAX, REFERRAL_STATE_LABELS, type ReferralDetail } from '../api/referrals';
import { StatusBadge } from '../badges';
import { DispatchTable } from '../dispatch-table';
import { can, useSession } from '../session';
import { EventTable } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';
import { REFERRAL_STATE_TONE } from './referrals.screen';

const REFERRAL_POLL_MS = 3_000;

export function ReferralRoute(): ReactNode {
  const { referralId = '' } = useParams();
  return <ReferralScreen key={referralId} referralId={referralId} />;
}

/** `key=value` pairs of an event's detail, for the history table. */
export function eventDetailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}

function ReferralScreen({ referralId }: { referralId: string }): ReactNode {
  const session = useSession();
  const detail = useLoad(() => referralApi.get(referralId), [referralId]);
  const [acted, setActed] = useState<ReferralDetail | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { reload } = detail;
  // The newer of the last read and the last action's answer.
  const d = acted && (!detail.data || acted.events.length >= detail.data.events.length) ? acted : detail.data;
  const r = d?.referral;
  useTitle(r ? `Referral ${r.reference}` : 'Referral');
  const provider = useLoad(() => (r ? providerApi.get(r.providerId) : Promise.resolve(null)), [r?.providerId]);
  const live = d !== undefined && (ANSWERABLE_STATES.includes(d.referral.state) || d.dispatches.some((x) => x.state === 'queued' || x.state === 'delivering'));
  useEffect(() => {
    if (!live) return;
    const timer = window.setTimeout(reload, REFERRAL_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [live, d, reload]);

  const act = async (what: 'send' | 'close'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setActed(what === 'send' ? await referralApi.send(referralId) : await referralApi.close(referralId, note.trim()));
      setNotice(what === 'send' ? 'Referral sent to every channel of the provider.' : 'Referral closed.');
      setNote('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!d || !r) {
    return (
      <section aria-labelledby="referral-title">
        <p className="breadcrumb">
          <Link to="/referrals">Referrals</Link>
        </p>
        <h1 id="referral-title">Referral</h1>
        <ErrorBanner error={detail.error} title="Could not load the referral." />
        {detail.loading ? <p className="muted">Loading…</p> : null}
      </section>
    );
  }
  const canAct = can(session, 'review.decide');
  return (
    <section aria-labelledby="referral-title">
      <p className="breadcrumb">
        <Link to="/referrals">Referrals</Link>
      </p>
      <h1 id="referral-title">Referral {r.reference}</h1>
      <p>
        <StatusBadge tone={REFERRAL_STATE_TONE[r.state]}>{REFERRAL_STATE_LABELS[r.state]}</StatusBadge>{' '}
        <span className="muted">
          {r.answeredCount} of {r.itemCount} items answered
        </span>
      </p>
      <ErrorBanner error={detail.error} title="Could not refresh the referral." />
      <Notice>{notice}</Notice>
      {canAct && r.state !== 'closed' ? (
        <section className="panel panel-edit" aria-labelledby="referral-actions-title">
          <h2 id="referral-actions-title">Actions</h2>
          {r.state === 'draft' ? (
            <div className="button-row">
              <button type="button" className="button button-primary" disabled={busy} onClick={() => void act('send')}>
                Send referral
              </button>
              <span className="hint small">Through every channel of the provider (webhook, e-mail, portal); reminders follow while it stays unacknowledged.</span>
            </div>
          ) : null}
          <div className="field field-wide">
            <label htmlFor="referral-close-note">Note on closing (optional)</label>
            <textarea id="referral-close-note" rows={2} maxLength={REFERRAL_NOTE_MAX} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="button" className="button button-danger" disabled={busy} onClick={() => void act('close')}>
            Close referral
          </button>
          <ErrorBanner error={error} title="Not recorded." />
        </section>
      ) : null}

      <dl className="facts">
        <dt>Provider</dt>
        <dd>
          <Link to={`/providers/${r.providerId}`}>{provider.data?.name ?? r.providerId}</Link>
        </dd>
        <dt>Created</dt>
        <dd>
          <Time ms={r.createdAt} />
        </dd>
        <dt>Sent</dt>
        <dd>
          <Time ms={r.sentAt} />
        </dd>
        <dt>Delivered</dt>
        <dd>
          <Time ms={r.deliveredAt} />
        </dd>
        <dt>Acknowledged</dt>
        <dd>
          <Time ms={r.acknowledgedAt} />
        </dd>
        <dt>Every item answered</dt>
        <dd>
          <Time ms={r.actionedAt} />
        </dd>
        <dt>Reminders</dt>
        <dd>
          {r.reminders}
          {r.nextReminderAt !== null ? (
            <>
              {' '}
              · next <Time ms={r.nextReminderAt} />
            </>
          ) : null}
        </dd>
        {r.closedAt !== null ? (
          <>
            <dt>Closed</dt>
            <dd>
              <Time ms={r.closedAt} />
              {r.closeNote ? ` — ${r.closeNote}` : ''}
            </dd>
          </>
        ) : null}
        <dt>Reasons</dt>
        <dd className="prewrap">{r.reasons}</dd>
      </dl>

      <h2 id="referral-items-title">Items</h2>
      <div className="table-wrap">
        <table className="data" aria-labelledby="referral-items-title">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Grounds</th>
              <th scope="col">Outcome</th>
              <th scope="col">Action at</th>
              <th scope="col">Answered</th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((i) => (
              <tr key={i.id} data-item-id={i.itemId}>
                <td className="mono break">
                  <Link to={`/items/${i.itemId}`}>{i.url}</Link>
                </td>
                <td>{i.grounds.length ? `Art. 2(7)(${i.grounds.join(', ')})` : <span className="muted">—</span>}</td>
                <td>
                  {i.outcome ? <StatusBadge tone={i.outcome === 'declined' ? 'warn' : 'ok'}>{OUTCOME_LABELS[i.outcome]}</StatusBadge> : <span className="muted">awaiting</span>}
                  {i.outcomeReason ? <div className="small">{i.outcomeReason}</div> : null}
                </td>
                <td className="nowrap">
                  <Time ms={i.actionAt} />
                </td>
                <td className="nowrap">
                  <Time ms={i.answeredAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <DispatchTable dispatches={d.dispatches} caption={`Messages sent for referral ${r.reference}`} empty={r.state === 'draft' ? 'Nothing is sent while the referral is a draft.' : 'No dispatches yet.'} />

      <EventTable
        titleId="referral-history-title"
        title="History"
        withWho
        empty="No events yet."
        rows={d.events.map((e, i) => ({ key: i, at: e.at, type: e.kind, what: <>{e.kind} <span className="small muted">({e.by})</span></>, who: e.actor, detail: eventDetailText(e.detail) }))}
      />
    </section>
  );
}
