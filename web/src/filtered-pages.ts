/**
 * A list whose filters live in the address (so a filtered view can be linked and the back button
 * works) and which pages backwards with the server's keyset cursor ("Load more"). The audit log
 * and the items list both work this way.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';

export interface Page<Row> {
  rows: Row[];
  nextBefore: string | null;
  /** The server's total, where it gives one. */
  total?: number | null;
}

export function useFilteredPages<K extends string, Row>(keys: readonly K[], fetchPage: (filters: Record<K, string>, before?: string) => Promise<Page<Row>>) {
  const [params, setParams] = useSearchParams();
  const applied = {} as Record<K, string>;
  for (const k of keys) applied[k] = params.get(k) ?? '';
  const appliedKey = keys.map((k) => applied[k]).join('\u0000');
  const [draft, setDraft] = useState<Record<K, string>>(applied);
  const [rows, setRows] = useState<Row[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [reloadTick, setReloadTick] = useState(0);

  // Keep the form in step with the address when it changes from outside (links, back button).
  // appliedKey holds every filter value; `applied` itself is a new object on each render.
  useEffect(() => {
    setDraft(applied);
  }, [appliedKey]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    fetchPage(applied).then(
      (page) => {
        if (!live) return;
        setRows(page.rows);
        setTotal(page.total ?? null);
        setNextBefore(page.nextBefore);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setRows([]);
        setNextBefore(null);
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [appliedKey, reloadTick]);

  const loadMore = async (): Promise<void> => {
    if (nextBefore === null) return;
    setLoading(true);
    setError(null);
    try {
      const page = await fetchPage(applied, nextBefore);
      setRows((prev) => [...prev, ...page.rows]);
      if (page.total !== undefined) setTotal(page.total);
      setNextBefore(page.nextBefore);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  const apply = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const k of keys) if (draft[k].trim()) next.set(k, draft[k].trim());
    // Submitting the same filters again means "refresh".
    if (next.toString() === params.toString()) setReloadTick((t) => t + 1);
    else setParams(next);
  };

  const clear = (): void => setParams(new URLSearchParams());

  return { params, applied, draft, setDraft, rows, total, nextBefore, error, loading, loadMore, apply, clear, hasFilters: keys.some((k) => applied[k]) };
}
