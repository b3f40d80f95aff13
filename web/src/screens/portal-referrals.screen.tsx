/**
 * Referrals in a provider agency's portal: the list (optionally only those still awaiting an
 * answer), and one referral's page to acknowledge it and answer each item — removed, disabled, or
 * declined with a reason. The issuer sees each answer at once. Referrals carry no legal clock; the
 * provider acts on its own terms of service.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import {
  ANSWERABLE_STATES,
  ITEM_OUTCOMES,
  OUTCOME_LABELS,
  referralApi,
  REFERRAL_NOTE_MAX,
  REFERRAL_STATE_LABELS,
  type ItemOutcome,
  type ReceivedReferral,
  type ReferralItemView,
} from '../api/referrals';
import { StatusBadge } from '../badges';
import { useCursorPages } from '../paged-list';
import { EmptyRow, EventTable, LoadMoreButton } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';
import { eventDetailText } from './referral.screen';
import { REFERRAL_STATE_TONE } from './referrals.screen';

/** The portal's "Referrals" tab. */
export function PortalReferralsTab({ openOnly, onOpenOnly }: { openOnly: boolean; onOpenOnly: (v: boolean) => void }): ReactNode {
  const { rows, nextBefore, loading, error, loadMore, reload } = useCursorPages(async (before) => {
    const page = await referralApi.portalList(openOnly, before);
    return { rows: page.referrals, nextBefore: page.nextBefore };
  }, [openOnly]);

  return (
    <>
      <div className="toolbar">
        <label className="check">
          <input type="checkbox" checked={openOnly} onChange={(e) => onOpenOnly(e.target.checked)} /> Only referrals awaiting your answer
        </label>
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} title="Could not load the referrals." />
      <div className="table-wrap">
        <table className="data referrals">
          <caption className="visually-hidden">Referrals addressed to your agency, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Referral</th>
              <th scope="col">From</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Answered
              </th>
              <th scope="col">Sent</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-referral-id={r.id}>
                <td>
                  <Link to={`/portal/referrals/${r.id}`}>{r.reference}</Link>
                </td>
                <td>{r.issuer.name}</td>
                <td>
                  <StatusBadge tone={REFERRAL_STATE_TONE[r.state]}>{REFERRAL_STATE_LABELS[r.state]}</StatusBadge>
                </td>
                <td className="num">
                  {r.answeredCount} of {r.itemCount}
                </td>
                <td className="nowrap">
                  <Time ms={r.sentAt} />
                </td>
              </tr>
            ))}
            {rows.length === 0 ? <EmptyRow columns={5}>{loading ? 'Loading…' : openOnly ? 'Every referral has been answered.' : 'No referrals have been addressed to your agency.'}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {nextBefore !== null ? <LoadMoreButton loading={loading} onLoadMore={loadMore} /> : null}
    </>
  );
}

export function PortalReferralRoute(): ReactNode {
  const { referralId = '' } = useParams();
  return <PortalReferralScreen key={referralId} referralId={referralId} />;
}

function PortalReferralScreen({ referralId }: { referralId: string }): ReactNode {
  const detail = useLoad(() => referralApi.portalGet(referralId), [referralId]);
  const [answered, setAnswered] = useState<ReceivedReferral | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const d = answered ?? detail.data;
  const r = d?.referral;
  useTitle(r ? `Referral ${r.reference}` : 'Referral');

  const acknowledge = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setAnswered(await referralApi.acknowledge(referralId));
      setNotice('Referral acknowledged.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!d || !r) {
    return (
      <section aria-labelledby="portal-referral-title">
        <p className="breadcrumb">
          <Link to="/portal?tab=referrals">Portal</Link>
        </p>
        <h1 id="portal-referral-title">Referral</h1>
        <ErrorBanner error={detail.error} title="Could not load the referral." />
        {detail.loading ? <p className="muted">Loading…</p> : null}
      </section>
    );
  }
  const answerable = ANSWERABLE_STATES.includes(r.state);
  return (
    <section aria-labelledby="portal-referral-title">
      <p className="breadcrumb">
        <Link to="/portal?tab=referrals">Portal</Link>
      </p>
      <h1 id="portal-referral-title">Referral {r.reference}</h1>
      <p>
        <StatusBadge tone={REFERRAL_STATE_TONE[r.state]}>{REFERRAL_STATE_LABELS[r.state]}</StatusBadge> from <strong>{d.issuer.name}</strong>, sent <Time ms={r.sentAt} />
      </p>
      <Notice>{notice}</Notice>
      <ErrorBanner error={error} title="Could not acknowledge." />
      {answerable && r.acknowledgedAt === null ? (
        <div className="button-row">
          <button type="button" className="button button-primary" disabled={busy} onClick={() => void acknowledge()}>
            Acknowledge referral
          </button>
          <span className="hint small">Tells {d.issuer.name} you have it and are assessing it; reminders stop.</span>
        </div>
      ) : null}
      <h2>Reasons</h2>
      <p className="prewrap">{r.reasons}</p>
      <h2 id="portal-referral-items-title">Items</h2>
      <ol className="referral-items" aria-labelledby="portal-referral-items-title">
        {d.items.map((i) => (
          <ItemAnswer
            key={i.id}
            referralId={r.id}
            item={i}
            answerable={answerable}
            onAnswered={(next) => {
              setAnswered(next);
              setNotice(`Answer recorded for ${i.url}.`);
            }}
          />
        ))}
      </ol>
      <EventTable
        titleId="portal-referral-history-title"
        title="History"
        rows={d.events.map((e, i) => ({ key: i, at: e.at, what: <>{e.kind} <span className="small muted">({e.by})</span></>, detail: eventDetailText(e.detail) }))}
      />
    </section>
  );
}

function ItemAnswer({ referralId, item: i, answerable, onAnswered }: { referralId: string; item: ReferralItemView; answerable: boolean; onAnswered: (r: ReceivedReferral) => void }): ReactNode {
  const [outcome, setOutcome] = useState<ItemOutcome | ''>('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (outcome === '') return;
    setBusy(true);
    setError(null);
    try {
      onAnswered(await referralApi.answerItem(referralId, i.id, { outcome, ...(outcome === 'declined' ? { reason: reason.trim() } : {}) }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const name = `outcome-${i.id}`;
  return (
    <li className="panel referral-item" aria-label={i.url} data-item-id={i.id}>
      <p className="mono break">{i.url}</p>
      <p className="small">{i.grounds.length ? `Found by the review: Art. 2(7)(${i.grounds.join(', ')}) of the TCO Regulation` : null}</p>
      {i.outcome ? (
        <p>
          <StatusBadge tone={i.outcome === 'declined' ? 'warn' : 'ok'}>{OUTCOME_LABELS[i.outcome]}</StatusBadge> <Time ms={i.actionAt ?? i.answeredAt} />
          {i.outcomeReason ? <span className="small"> — {i.outcomeReason}</span> : null}
        </p>
      ) : answerable ? (
        <form onSubmit={(e) => void submit(e)} aria-label={`Answer for ${i.url}`}>
          <fieldset className="checklist">
            <legend>Outcome</legend>
            {ITEM_OUTCOMES.map((o) => (
              <label key={o}>
                <input type="radio" name={name} checked={outcome === o} onChange={() => setOutcome(o)} required /> {OUTCOME_LABELS[o]}
              </label>
            ))}
          </fieldset>
          {outcome === 'declined' ? (
            <div className="field field-wide">
              <label htmlFor={`${name}-reason`}>Why you decline</label>
              <textarea id={`${name}-reason`} rows={2} maxLength={REFERRAL_NOTE_MAX} value={reason} onChange={(e) => setReason(e.target.value)} required />
            </div>
          ) : null}
          <button type="submit" className="button button-primary" disabled={busy || outcome === ''}>
            Record outcome
          </button>
          <ErrorBanner error={error} title="The outcome was not recorded." />
        </form>
      ) : (
        <p className="muted">No answer; the referral is {REFERRAL_STATE_LABELS.closed}.</p>
      )}
    </li>
  );
}
