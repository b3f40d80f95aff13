/**
 * The agency's TCO removal orders, newest first: status and provider filters (kept in the address),
 * and each order's clock — the live countdown to the one-hour deadline while it runs (Art. 3(3)),
 * paused under Annex III, or the time to execution once Annex II came.
 */
import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { orderApi, ORDER_STATUSES, ORDER_STATUS_LABELS, type OrderStatus } from '../api/orders';
import { providerApi } from '../api/providers';
import { SelectField } from '../fields';
import { OrderClock } from '../order-clock';
import { useCursorPages } from '../paged-list';
import { can, useSession } from '../session';
import { EmptyRow, LoadMoreButton } from '../tables';
import { ErrorBanner, Time, useLoad, useTitle } from '../ui';

const PAGE_SIZE = 50;
/** Statuses whose clock the list shows. */
const CLOCKED: readonly OrderStatus[] = ['running', 'suspended', 'executed'];

export const ORDER_STATUS_CLASS: Record<OrderStatus, string> = {
  proposed: 'status-warn',
  rejected: 'status-job-cancelled',
  issued: 'status-job-queued',
  running: 'status-job-running',
  suspended: 'status-warn',
  executed: 'status-ok',
  voided: 'status-bad',
  withdrawn: 'status-job-cancelled',
};

/** Authorities issue orders (TCO Art. 3(1)); proposing takes review.decide. */
export function canProposeOrders(session: ReturnType<typeof useSession>): boolean {
  return session.agency.kind === 'authority' && can(session, 'review.decide');
}

export function OrdersScreen(): ReactNode {
  useTitle('Removal orders');
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const status = (ORDER_STATUSES as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as OrderStatus) : '';
  const providerId = params.get('provider') ?? '';
  const providers = useLoad(() => providerApi.list(), []);
  const names = new Map((providers.data ?? []).map((p) => [p.id, p.name]));
  const query = { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(providerId ? { providerId } : {}) };
  /** Each summary with when it arrived: the countdown runs on from its `remainingMs` then. */
  const { rows, nextBefore, loading, error, loadMore, reload } = useCursorPages(async (before) => {
    const page = await orderApi.list({ ...query, before });
    return { rows: page.orders.map((o) => ({ ...o, loadedAt: Date.now() })), nextBefore: page.nextBefore };
  }, [status, providerId]);

  const set = (key: string, value: string): void => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">Removal orders</h1>
      <p className="lead">
        Orders under the Terrorist Content Online Regulation: a provider must remove the content or disable access to it within one hour
        of receipt (Art. 3(3)). Orders are proposed from reviewed items and issued when a second person approves them.
      </p>
      {canProposeOrders(session) ? (
        <p>
          <Link to="/orders/new" className="button button-primary">
            Compose an order
          </Link>
        </p>
      ) : null}
      <div className="toolbar">
        <SelectField id="orders-status" label="Status" width="narrow" value={status} empty="any" options={ORDER_STATUSES} labels={ORDER_STATUS_LABELS} onChange={(v) => set('status', v)} />
        <SelectField id="orders-provider" label="Provider" value={providerId} empty="any" options={(providers.data ?? []).map((p) => ({ value: p.id, label: p.name }))} onChange={(v) => set('provider', v)} />
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} title="Could not load the orders." />
      <div className="table-wrap">
        <table className="data orders">
          <caption className="visually-hidden">Removal orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Provider</th>
              <th scope="col">Status</th>
              <th scope="col">Deadline</th>
              <th scope="col">Issued</th>
              <th scope="col">Received</th>
              <th scope="col" className="num">
                Items
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((o) => (
              <tr key={o.id} data-order-id={o.id}>
                <td>
                  <Link to={`/orders/${o.id}`}>{o.referenceNumber}</Link>
                  {o.emergency ? <span className="tag tag-emergency">emergency</span> : null}
                  {o.crossBorder ? <span className="tag">cross-border</span> : null}
                </td>
                <td>{names.get(o.providerId) ?? <span className="mono small">{o.providerId}</span>}</td>
                <td>
                  <span className={`status ${ORDER_STATUS_CLASS[o.status]}`}>{ORDER_STATUS_LABELS[o.status]}</span>
                </td>
                <td>{CLOCKED.includes(o.status) ? <OrderClock status={o.status} clock={o.clock} loadedAt={o.loadedAt} obstacle={o.clock.obstacle} compact /> : <span className="muted">—</span>}</td>
                <td className="nowrap">
                  <Time ms={o.issuedAt} />
                </td>
                <td className="nowrap">
                  <Time ms={o.receivedAt} />
                </td>
                <td className="num">{o.itemIds.length}</td>
              </tr>
            ))}
            {rows.length === 0 ? <EmptyRow columns={7}>{loading ? 'Loading…' : status || providerId ? 'No orders match the filters.' : 'Your agency has no removal orders yet.'}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {nextBefore !== null ? <LoadMoreButton loading={loading} onLoadMore={loadMore} /> : null}
    </section>
  );
}
