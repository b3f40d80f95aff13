/**
 * The one-hour removal clock of a TCO order as people read it (Art. 3(3), 3(7), 3(8)). The server
 * computes the clock (order.model.ts orderClock); the screen only counts down from the remaining
 * time it was given, measured from when the answer arrived, so a browser whose clock is off still
 * shows the server's deadline.
 */
import type { ReactNode } from 'react';
import { OBSTACLE_LABELS, type ClockView, type Obstacle, type OrderStatus } from './api/orders';
import { Time, useNow } from './ui';

/** A countdown changes each second; nothing finer is shown. */
const TICK_MS = 1_000;
const MINUTE_MS = 60_000;

/** `59:07`, or `1:02:03` past an hour. */
export function formatCountdown(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * Minutes from receipt to the measure, rounded up: a measure 20 seconds after receipt took "1
 * minute", never "0", so the figure never flatters the provider against the one-hour limit.
 */
export function executedInMinutes(ms: number): number {
  return Math.ceil(Math.max(0, ms) / MINUTE_MS);
}

export interface ClockProps {
  status: OrderStatus;
  clock: ClockView;
  /** `Date.now()` when the answer carrying `clock` arrived. */
  loadedAt: number;
  /** The open Annex III obstacle while suspended. */
  obstacle: Obstacle | null;
  /** A table cell wants one line; the order page says more. */
  compact?: boolean;
}

/** Remaining time now, from the server's `remainingMs` at `loadedAt`. */
function remainingAt(clock: ClockView, loadedAt: number, now: number): number | null {
  return clock.remainingMs === null ? null : clock.remainingMs - (now - loadedAt);
}

export function OrderClock({ status, clock, loadedAt, obstacle, compact = false }: ClockProps): ReactNode {
  const now = useNow(TICK_MS, status === 'running');
  const breached = clock.breachedAt !== null ? <span className="status status-bad clock-breached">breached</span> : null;

  if (status === 'running') {
    const left = remainingAt(clock, loadedAt, now);
    if (left !== null && left >= 0) {
      return (
        <span className="order-clock" data-clock="running">
          <strong className="countdown">{formatCountdown(left)}</strong> left
          {compact ? null : (
            <>
              {' '}
              — the provider must remove or disable the content by <Time ms={clock.deadline} /> (one hour from receipt, TCO Art. 3(3)).
            </>
          )}
        </span>
      );
    }
    return (
      <span className="order-clock clock-overdue" data-clock="breached">
        <span className="status status-bad clock-breached">breached</span> <strong className="countdown">{formatCountdown(left ?? 0)}</strong> overdue
        {compact ? null : (
          <>
            {' '}
            — the deadline passed at <Time ms={clock.deadline ?? clock.breachedAt} /> without an Annex II answer.
          </>
        )}
      </span>
    );
  }
  if (status === 'suspended') {
    return (
      <span className="order-clock" data-clock="suspended">
        <span className="status status-warn">paused</span> {obstacle ? `Annex III: ${OBSTACLE_LABELS[obstacle]}` : 'Annex III'}
        {compact ? null : '. A new hour starts when the obstacle ceases (Art. 3(7)) or the clarification is sent (Art. 3(8)).'} {breached}
      </span>
    );
  }
  if (status === 'executed') {
    const n = clock.executedInMs === null ? null : executedInMinutes(clock.executedInMs);
    return (
      <span className="order-clock" data-clock="executed">
        <span className="status status-ok">clock stopped</span>{' '}
        {n === null ? 'executed' : <strong title={`${formatCountdown(clock.executedInMs ?? 0)} from receipt to the measure`}>executed in {n} minute{n === 1 ? '' : 's'}</strong>} {breached}
      </span>
    );
  }
  if (status === 'issued') return <span className="order-clock muted" data-clock="waiting">waiting for receipt; the hour starts then</span>;
  if (status === 'proposed') return <span className="order-clock muted" data-clock="none">not issued</span>;
  return (
    <span className="order-clock muted" data-clock="stopped">
      no clock ({status}) {breached}
    </span>
  );
}
