/**
 * Items of the agency, newest first. Filters live in the address, so the item page can link to its
 * children (`?parentItemId=`) and a source to what it found (`?sourceId=`); "Load more" pages back
 * with the server's cursor. Captured URLs are shown as text, never as links: following one would
 * visit the site from the analyst's own browser.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { FilterButtons, SelectField } from '../fields';
import { useFilteredPages } from '../filtered-pages';
import { api, type ItemQuery } from '../api/client';
import { ITEM_ORIGINS, ITEM_STATES, type ItemOrigin, type ItemState, type ItemView } from '../api/types';
import { EmptyRow, PageFooter } from '../tables';
import { ErrorBanner, ItemStateBadge, Time, useTitle } from '../ui';

const PAGE_SIZE = 100;
const FILTER_KEYS = ['state', 'origin', 'host', 'parentItemId', 'sourceId'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Record<FilterKey, string>;

function toQuery(f: Filters): Omit<ItemQuery, 'limit' | 'before'> {
  return {
    state: (ITEM_STATES as readonly string[]).includes(f.state) ? (f.state as ItemState) : undefined,
    origin: (ITEM_ORIGINS as readonly string[]).includes(f.origin) ? (f.origin as ItemOrigin) : undefined,
    host: f.host.trim().toLowerCase() || undefined,
    parentItemId: f.parentItemId || undefined,
    sourceId: f.sourceId || undefined,
  };
}

export function ItemsScreen(): ReactNode {
  useTitle('Items');
  const { params, applied, draft, setDraft, rows: items, total, nextBefore, error, loading, loadMore, apply, clear, hasFilters } = useFilteredPages(FILTER_KEYS, async (f: Filters, before?: string) => {
    const page = await api.listItems({ ...toQuery(f), limit: PAGE_SIZE, ...(before ? { before } : {}) });
    return { rows: page.items as ItemView[], nextBefore: page.nextBefore, total: page.total };
  });

  const without = (key: FilterKey): string => {
    const next = new URLSearchParams(params);
    next.delete(key);
    const s = next.toString();
    return s ? `/items?${s}` : '/items';
  };


  return (
    <section aria-labelledby="items-title">
      <h1 id="items-title">Items</h1>
      <form className="panel filters" onSubmit={apply} aria-label="Item filters">
        <div className="form-row">
          <SelectField id="items-state" label="State" width="narrow" value={draft.state} empty="any" options={ITEM_STATES} onChange={(state) => setDraft({ ...draft, state })} />
          <SelectField id="items-origin" label="Origin" width="narrow" value={draft.origin} empty="any" options={ITEM_ORIGINS} onChange={(origin) => setDraft({ ...draft, origin })} />
          <div className="field">
            <label htmlFor="items-host">Host</label>
            <input
              id="items-host"
              placeholder="e.g. t.me"
              spellCheck={false}
              value={draft.host}
              onChange={(e) => setDraft({ ...draft, host: e.target.value })}
            />
          </div>
          <FilterButtons hasFilters={hasFilters} onClear={clear} />
        </div>
        {applied.parentItemId || applied.sourceId ? (
          <p className="filter-scope">
            {applied.parentItemId ? (
              <span>
                Found on item <Link to={`/items/${applied.parentItemId}`} className="mono">{applied.parentItemId}</Link>{' '}
                <Link to={without('parentItemId')} className="button button-small" aria-label="Show items of every parent">
                  Remove
                </Link>
              </span>
            ) : null}
            {applied.sourceId ? (
              <span>
                From source <Link to={`/sources/${applied.sourceId}`} className="mono">{applied.sourceId}</Link>{' '}
                <Link to={without('sourceId')} className="button button-small" aria-label="Show items of every source">
                  Remove
                </Link>
              </span>
            ) : null}
          </p>
        ) : null}
      </form>

      <ErrorBanner error={error} title="Could not load items." />
      <div className="table-wrap">
        <table className="data items">
          <caption className="visually-hidden">Items, newest first</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Platform</th>
              <th scope="col">Origin</th>
              <th scope="col">State</th>
              <th scope="col" className="num">Captures</th>
              <th scope="col">Last captured</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <ItemRow key={item.id} item={item} />
            ))}
            {!loading && items.length === 0 && !error ? (
              <EmptyRow columns={7}>{hasFilters ? 'No items match these filters.' : 'No items yet. Submit one on the Intake page.'}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <PageFooter
        shown={items.length}
        noun={['item', 'items']}
        more={nextBefore !== null}
        loading={loading}
        onLoadMore={loadMore}
        detail={total === null ? '' : ` · ${total} in your agency`}
      />
    </section>
  );
}

function ItemRow({ item }: { item: ItemView }): ReactNode {
  const label = item.kind === 'file' ? item.submittedUrl : item.url;
  return (
    <tr data-item-id={item.id}>
      <td className="url-cell">
        <Link to={`/items/${item.id}`} className="mono break" title={item.url}>
          {label}
        </Link>
        {item.kind === 'file' ? <span className="tag">file</span> : null}
        {item.lastError && item.state === 'failed' ? <div className="error-text">{item.lastError}</div> : null}
      </td>
      <td>{item.platform ?? <span className="muted">{item.host ?? '—'}</span>}</td>
      <td>{item.origin}</td>
      <td>
        <ItemStateBadge state={item.state} />
      </td>
      <td className="num">{item.captureCount}</td>
      <td className="nowrap">
        <Time ms={item.lastCapturedAt} />
      </td>
      <td className="nowrap">
        <Time ms={item.createdAt} />
      </td>
    </tr>
  );
}
