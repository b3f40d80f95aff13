/**
 * The agency's TCO removal orders, newest first: status and provider filters (kept in the address),
 * and each order's clock — the live countdown to the one-hour deadline while it runs (Art. 3(3)),
 * paused under Annex III, or the time to execution once Annex II came.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { orderApi, ORDER_STATUSES, ORDER_STATUS_LABELS, type OrderStatus, type OrderSummary } from '../api/orders';
import { providerApi } from '../api/providers';
import { OrderClock } from '../order-clock';
import { can, useSession } from '../session';
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
  /** Each summary with when it arrived: the countdown runs on from its `remainingMs` then. */
  const [rows, setRows] = useState<(OrderSummary & { loadedAt: number })[]>([]);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  const query = { limit: PAGE_SIZE, ...(status ? { status } : {}), ...(providerId ? { providerId } : {}) };
  useEffect(() => {
    let live = true;
    setLoading(true);
    orderApi.list(query).then(
      (page) => {
        if (!live) return;
        setRows(page.orders.map((o) => ({ ...o, loadedAt: Date.now() })));
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
  }, [status, providerId, tick]);

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
      const page = await orderApi.list({ ...query, before: nextBefore });
      setRows((prev) => [...prev, ...page.orders.map((o) => ({ ...o, loadedAt: Date.now() }))]);
      setNextBefore(page.nextBefore);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
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
        <div className="field field-narrow">
          <label htmlFor="orders-status">Status</label>
          <select id="orders-status" value={status} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {ORDER_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="orders-provider">Provider</label>
          <select id="orders-provider" value={providerId} onChange={(e) => set('provider', e.target.value)}>
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
            {rows.length === 0 ? (
              <tr>
                <td colSpan={7} className="empty">
                  {loading ? 'Loading…' : status || providerId ? 'No orders match the filters.' : 'Your agency has no removal orders yet.'}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {nextBefore !== null ? (
        <button type="button" className="button" onClick={() => void loadMore()} disabled={loading}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
