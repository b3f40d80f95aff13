/** Table pieces the list screens share: the row that stands in for no rows, and the paging footer. */
import type { ReactNode } from 'react';
import { Time } from './ui';

/** One row across the whole table saying why there are no rows, or that they are loading. */
export function EmptyRow({ columns, children }: { columns: number; children: ReactNode }): ReactNode {
  return (
    <tr>
      <td colSpan={columns} className="empty">
        {children}
      </td>
    </tr>
  );
}

/** For a table loaded in one go (`useLoad`): "Loading…" until the first answer, then `empty` when it has no rows. */
export function PlaceholderRows({ columns, rows, loading, empty }: { columns: number; rows: readonly unknown[] | undefined; loading: boolean; empty: ReactNode }): ReactNode {
  if (rows === undefined) return loading ? <EmptyRow columns={columns}>Loading…</EmptyRow> : null;
  return rows.length === 0 ? <EmptyRow columns={columns}>{empty}</EmptyRow> : null;
}

/** Asks for the next (older) page; off while a page is loading. */
export function LoadMoreButton({ loading, onLoadMore }: { loading: boolean; onLoadMore: () => Promise<void> }): ReactNode {
  return (
    <button type="button" className="button" onClick={() => void onLoadMore()} disabled={loading}>
      Load more
    </button>
  );
}

/**
 * Under a paged table: "Load more" while the server has more, and how many rows are shown, read out
 * as a status ("3 items shown, more available"), with `detail` after it.
 */
export function PageFooter({
  shown,
  noun,
  more,
  loading,
  onLoadMore,
  detail = '',
}: {
  shown: number;
  /** The rows' name, one and many: ['entry', 'entries']. */
  noun: readonly [string, string];
  more: boolean;
  loading: boolean;
  onLoadMore: () => Promise<void>;
  detail?: string;
}): ReactNode {
  return (
    <div className="button-row">
      {more ? <LoadMoreButton loading={loading} onLoadMore={onLoadMore} /> : null}
      <span className="muted" role="status">
        {loading ? 'Loading…' : `${shown} ${shown === 1 ? noun[0] : noun[1]} shown${more ? ', more available' : ''}${detail}`}
      </span>
    </div>
  );
}

/** The header of a column of row buttons: named for screen readers, blank on screen. */
export function ActionsHeader(): ReactNode {
  return (
    <th scope="col">
      <span className="visually-hidden">Actions</span>
    </th>
  );
}

export interface EventRow {
  key: string | number;
  at: number;
  what: ReactNode;
  /** Shown when the table has a Who column. */
  who?: string;
  detail: string;
  /** Written as `data-event`, for tests and styles. */
  type?: string;
}

/** A history of events, oldest first: time, what, who (if `withWho`), detail. */
export function EventTable({ titleId, title, className, rows, withWho = false, empty }: { titleId: string; title: string; className?: string; rows: readonly EventRow[]; withWho?: boolean; empty?: ReactNode }): ReactNode {
  return (
    <>
      <h2 id={titleId}>{title}</h2>
      <div className="table-wrap">
        <table className={className ? `data ${className}` : 'data'} aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">What</th>
              {withWho ? <th scope="col">Who</th> : null}
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-event={r.type}>
                <td className="nowrap">
                  <Time ms={r.at} />
                </td>
                <td>{r.what}</td>
                {withWho ? <td className="small">{r.who}</td> : null}
                <td className="small break">{r.detail || <span className="muted">—</span>}</td>
              </tr>
            ))}
            {rows.length === 0 && empty ? <EmptyRow columns={withWho ? 4 : 3}>{empty}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
    </>
  );
}
