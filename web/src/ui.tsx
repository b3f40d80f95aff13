/** Small shared pieces: error banner, time cell, ticking clock, data loading hook, page title, state badge, short hash, tabs. */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { describeError } from './api/client';
import { formatTime, isoTime } from './format';

/** Shows the server's message first, its stable code beside it, and the request id for support. */
export function ErrorBanner({ error, title }: { error: unknown; title?: string }): ReactNode {
  if (error === null || error === undefined) return null;
  const { code, message, requestId } = describeError(error);
  return (
    <div className="alert alert-error" role="alert">
      {title ? <strong className="alert-title">{title}</strong> : null}
      <span className="alert-message">{message}</span>
      {code ? <code className="alert-code">{code}</code> : null}
      {requestId ? <span className="alert-request">Request {requestId}</span> : null}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }): ReactNode {
  if (children === null || children === undefined || children === false) return null;
  return (
    <div className="alert alert-ok" role="status">
      {children}
    </div>
  );
}

export function Time({ ms }: { ms: number | null | undefined }): ReactNode {
  if (ms === null || ms === undefined) return <span className="muted">—</span>;
  return <time dateTime={isoTime(ms)}>{formatTime(ms)}</time>;
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Vigil`;
  }, [title]);
}

/** The current time, re-read every `tickMs` while a countdown is on screen. */
export function useNow(tickMs: number, ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!ticking) return;
    const timer = window.setInterval(() => setNow(Date.now()), tickMs);
    return () => window.clearInterval(timer);
  }, [tickMs, ticking]);
  return now;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads server state and reloads when `deps` change or `reload()` is called. Answers to superseded
 * requests are dropped, so a slow old response never overwrites a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** An item's state as a badge: queued (waiting for capture), captured, failed. */
export function ItemStateBadge({ state }: { state: string }): ReactNode {
  return <span className={`status status-item-${state}`}>{state}</span>;
}

/** A `sha256:…` (or bare hex) digest, shortened for tables; the full value is in the tooltip. */
export function ShortHash({ hash, chars = 12 }: { hash: string | null | undefined; chars?: number }): ReactNode {
  if (!hash) return <span className="muted">—</span>;
  const hex = hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash;
  return (
    <code className="hash" title={hash}>
      {hex.slice(0, chars)}…
    </code>
  );
}

export interface Tab {
  id: string;
  label: ReactNode;
  content: ReactNode;
}

/**
 * Tabs as the WAI-ARIA tabs pattern: one tab stop, arrow keys (and Home / End) move between tabs,
 * the panel is labelled by its tab. Controlled: the screen keeps the selection (in the address).
 */
export function Tabs({ label, tabs, selected, onSelect }: { label: string; tabs: readonly Tab[]; selected: string; onSelect: (id: string) => void }): ReactNode {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const index = Math.max(0, tabs.findIndex((t) => t.id === selected));
  const current = tabs[index];

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const last = tabs.length - 1;
    const to = e.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : e.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
    if (to === null) return;
    e.preventDefault();
    onSelect(tabs[to]!.id);
    refs.current[to]?.focus();
  };

  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tablist" onKeyDown={onKeyDown}>
        {tabs.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={i === index}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={i === index ? 0 : -1}
            className="tab"
            onClick={() => onSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {current ? (
        <div role="tabpanel" id={`tabpanel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tabpanel">
          {current.content}
        </div>
      ) : null}
    </div>
  );
}
