/**
 * The agency's voluntary referrals, newest first, with state and provider filters kept in the
 * address, and how far each provider has answered (items with an outcome of all items).
 */
import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { providerApi } from '../api/providers';
import { referralApi, REFERRAL_STATES, REFERRAL_STATE_LABELS, type ReferralState } from '../api/referrals';
import { StatusBadge, type StatusTone } from '../badges';
import { SelectField } from '../fields';
import { useCursorPages } from '../paged-list';
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
  const query = { limit: PAGE_SIZE, ...(state ? { state } : {}), ...(providerId ? { providerId } : {}) };
  const { rows, nextBefore, loading, error, loadMore, reload } = useCursorPages(async (before) => {
    const page = await referralApi.list({ ...query, before });
    return { rows: page.referrals, nextBefore: page.nextBefore };
  }, [state, providerId]);

  const set = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
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
        <SelectField id="referrals-state" label="State" width="narrow" value={state} empty="any" options={REFERRAL_STATES} labels={REFERRAL_STATE_LABELS} onChange={(v) => set('state', v)} />
        <SelectField id="referrals-provider" label="Provider" value={providerId} empty="any" options={(providers.data ?? []).map((p) => ({ value: p.id, label: p.name }))} onChange={(v) => set('provider', v)} />
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
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
