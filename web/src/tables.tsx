/** Table pieces the list screens share: the row that stands in for no rows, and the paging footer. */
import type { ReactNode } from 'react';

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
