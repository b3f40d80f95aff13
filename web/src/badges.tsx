/** State badges: a word on the colour of its `status-*` class in styles.css. */
import type { ReactNode } from 'react';

/** The colours a badge has: good, needs a look, bad, and the job states' waiting, running and stopped. */
export type StatusTone = 'ok' | 'warn' | 'bad' | 'job-queued' | 'job-running' | 'job-cancelled';

export function StatusBadge({ tone, children }: { tone: StatusTone; children: ReactNode }): ReactNode {
  return <span className={`status status-${tone}`}>{children}</span>;
}

/** How one line of a pasted list or imported file came out: rejected is bad, added or accepted good, anything else (already held, removed) needs a look. */
export function LineOutcomeBadge({ outcome }: { outcome: string }): ReactNode {
  return <StatusBadge tone={outcome === 'rejected' ? 'bad' : outcome === 'added' || outcome === 'accepted' ? 'ok' : 'warn'}>{outcome}</StatusBadge>;
}
