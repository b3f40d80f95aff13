/**
 * The agency's voluntary referrals, newest first, with state and provider filters kept in the
 * address, and how far each provider has answered (items with an outcome of all items).
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { providerApi } from '../api/providers';
import { referralApi, REFERRAL_STATES, REFERRAL_STATE_LABELS, type ReferralState, type ReferralView } from '../api/referrals';
import { StatusBadge, type StatusTone } from '../badges';
import { can, useSession } from '../session';
import { EmptyRow, LoadMoreButton } from '../tables';
import { ErrorBanner, Time, useLoad, useTitle } from '../ui';

const PAGE_SIZE = 50;

export const REFERRAL_STATE_TONE: Record<ReferralState, StatusTone> = {
  draft: 'warn',
  sent: 'job-queued',
  delivered: 'job-running',
  acknowledged: 'job-running',
  actioned: 'ok',
  closed: 'job-cancelled',
};

export function ReferralsScreen(): ReactNode {
  useTitle('Referrals');
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const state = (REFERRAL_STATES as readonly string[]).includes(params.get('state') ?? '') ? (params.get('state') as ReferralState) : '';
  const providerId = params.get('provider') ?? '';
  const providers = useLoad(() => providerApi.list(), []);
  const names = new Map((providers.data ?? []).map((p) => [p.id, p.name]));
  const [rows, setRows] = useState<ReferralView[]>([]);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const query = { limit: PAGE_SIZE, ...(state ? { state } : {}), ...(providerId ? { providerId } : {}) };

  useEffect(() => {
    let live = true;
    setLoading(true);
    referralApi.list(query).then(
      (page) => {
        if (!live) return;
        setRows(page.referrals);
        setNextBefore(page.nextBefore);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // `query` is rebuilt from these each render.
  }, [state, providerId, tick]);

  const set = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  const loadMore = async (): Promise<void> => {
    if (nextBefore === null) return;
    setLoading(true);
    try {
      const page = await referralApi.list({ ...query, before: nextBefore });
      setRows((prev) => [...prev, ...page.referrals]);
      setNextBefore(page.nextBefore);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  return (
    <section aria-labelledby="referrals-title">
      <h1 id="referrals-title">Referrals</h1>
      <p className="lead">Items your review found to be terrorist content, sent to the provider hosting them to check against its terms of service. The provider answers per item.</p>
      {can(session, 'review.decide') ? (
        <p>
          <Link to="/referrals/new" className="button button-primary">
            Compose a referral
          </Link>
        </p>
      ) : null}
      <div className="toolbar">
        <div className="field field-narrow">
          <label htmlFor="referrals-state">State</label>
          <select id="referrals-state" value={state} onChange={(e) => set('state', e.target.value)}>
            <option value="">any</option>
            {REFERRAL_STATES.map((s) => (
              <option key={s} value={s}>
                {REFERRAL_STATE_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="referrals-provider">Provider</label>
          <select id="referrals-provider" value={providerId} onChange={(e) => set('provider', e.target.value)}>
            <option value="">any</option>
            {(providers.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button button-small" onClick={() => setTick((t) => t + 1)} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} title="Could not load the referrals." />
      <div className="table-wrap">
        <table className="data referrals">
          <caption className="visually-hidden">Referrals, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Provider</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Answered
              </th>
              <th scope="col">Sent</th>
              <th scope="col">Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-referral-id={r.id}>
                <td>
                  <Link to={`/referrals/${r.id}`}>{r.reference}</Link>
                </td>
                <td>{names.get(r.providerId) ?? <span className="mono small">{r.providerId}</span>}</td>
                <td>
                  <StatusBadge tone={REFERRAL_STATE_TONE[r.state]}>{REFERRAL_STATE_LABELS[r.state]}</StatusBadge>
                </td>
                <td className="num">
                  {r.answeredCount} of {r.itemCount}
                </td>
                <td className="nowrap">
                  <Time ms={r.sentAt} />
                </td>
                <td className="nowrap">
                  <Time ms={r.acknowledgedAt} />
                </td>
              </tr>
            ))}
            {rows.length === 0 ? <EmptyRow columns={6}>{loading ? 'Loading…' : state || providerId ? 'No referrals match the filters.' : 'Your agency has no referrals yet.'}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {nextBefore !== null ? <LoadMoreButton loading={loading} onLoadMore={loadMore} /> : null}
    </section>
  );
}
