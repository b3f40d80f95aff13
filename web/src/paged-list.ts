/**
 * A list read newest first, a page at a time with the server's keyset cursor ("Load more"), and
 * read again from its first page when a filter changes or on `reload`. Filters the screen keeps
 * itself (or in the address, applied at once) go in `deps`; `useFilteredPages` serves lists whose
 * filters are a form submitted as a whole.
 */
import { useEffect, useState } from 'react';

export interface CursorPage<Row> {
  rows: Row[];
  nextBefore: string | null;
}

export interface CursorPagesOptions {
  /**
   * Hide the last error as soon as a read starts. By default it stays until a first page arrives,
   * and the rows shown before stay through a failed read either way.
   */
  clearErrorOnRead?: boolean;
}

/**
 * `fetchPage(before)` reads the page older than the cursor `before`, or the first page without it;
 * `deps` are the values it filters by.
 */
export function useCursorPages<Row>(fetchPage: (before?: string) => Promise<CursorPage<Row>>, deps: readonly unknown[], options: CursorPagesOptions = {}) {
  const [rows, setRows] = useState<Row[]>([]);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    setLoading(true);
    if (options.clearErrorOnRead) setError(null);
    fetchPage().then(
      (page) => {
        if (!live) return;
        setRows(page.rows);
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
    // `fetchPage` is a new closure each render; `deps` say when what it reads changes.
  }, [...deps, tick]);

  const loadMore = async (): Promise<void> => {
    if (nextBefore === null) return;
    setLoading(true);
    if (options.clearErrorOnRead) setError(null);
    try {
      const page = await fetchPage(nextBefore);
      setRows((prev) => [...prev, ...page.rows]);
      setNextBefore(page.nextBefore);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  const reload = (): void => setTick((t) => t + 1);

  return { rows, setRows, nextBefore, loading, error, loadMore, reload };
}
