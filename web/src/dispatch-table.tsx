/**
 * Messages sent to providers, each with its channel, delivery state, receipt and delivery log: the
 * table of one order's or referral's dispatches, and the rows a provider's page lists.
 */
import type { ReactNode } from 'react';
import { SUBJECT_LABELS, type DispatchState, type DispatchView } from './api/providers';
import { StatusBadge, type StatusTone } from './badges';
import { EmptyRow } from './tables';
import { Time } from './ui';

export const STATE_TONE: Record<DispatchState, StatusTone> = {
  queued: 'job-queued',
  delivering: 'job-running',
  delivered: 'ok',
  failed: 'bad',
};

export function DeliveryLog({ dispatch: d }: { dispatch: DispatchView }): ReactNode {
  if (d.attempts.length === 0) return <span className="muted">no attempt yet</span>;
  return (
    <details className="delivery-log">
      <summary>
        {d.attempts.length} attempt{d.attempts.length === 1 ? '' : 's'}
        <span className="visually-hidden"> to deliver {d.title} by {d.channel}</span>
      </summary>
      <table className="data">
        <caption className="visually-hidden">
          Delivery log of {d.title} by {d.channel}, oldest first
        </caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">At</th>
            <th scope="col">Outcome</th>
            <th scope="col" className="num">
              HTTP
            </th>
            <th scope="col">Error</th>
            <th scope="col" className="num">
              ms
            </th>
          </tr>
        </thead>
        <tbody>
          {d.attempts.map((a) => (
            <tr key={a.attempt}>
              <td className="num">{a.attempt}</td>
              <td className="nowrap">
                <Time ms={a.at} />
              </td>
              <td>
                <StatusBadge tone={a.status === 'delivered' ? 'ok' : 'bad'}>{a.status}</StatusBadge>
              </td>
              <td className="num">{a.httpStatus ?? <span className="muted">—</span>}</td>
              <td className="small">{a.error ?? <span className="muted">—</span>}</td>
              <td className="num">{a.durationMs}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** The table of `dispatches`; `withSubject` says under each title what kind of message it is. */
export function DispatchRows({ dispatches, caption, empty, withSubject = false }: { dispatches: readonly DispatchView[]; caption: string; empty: string; withSubject?: boolean }): ReactNode {
  return (
    <div className="table-wrap">
      <table className="data dispatches">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Message</th>
            <th scope="col">Channel</th>
            <th scope="col">State</th>
            <th scope="col">Sent</th>
            <th scope="col">Delivered</th>
            <th scope="col">Received</th>
            <th scope="col">Delivery log</th>
          </tr>
        </thead>
        <tbody>
          {dispatches.map((d) => (
            <tr key={d.id} data-dispatch-id={d.id}>
              <td>
                {d.title}
                {withSubject ? <div className="small muted">{SUBJECT_LABELS[d.subjectKind]}</div> : null}
              </td>
              <td>
                {d.channel}
                {d.destination ? <div className="small muted mono break">{d.destination}</div> : null}
              </td>
              <td>
                <StatusBadge tone={STATE_TONE[d.state]}>{d.state}</StatusBadge>
                {d.lastError ? <div className="small error-text">{d.lastError}</div> : null}
              </td>
              <td className="nowrap">
                <Time ms={d.createdAt} />
              </td>
              <td className="nowrap">
                <Time ms={d.deliveredAt} />
              </td>
              <td className="nowrap">
                <Time ms={d.receivedAt} />
              </td>
              <td>
                <DeliveryLog dispatch={d} />
              </td>
            </tr>
          ))}
          {dispatches.length === 0 ? <EmptyRow columns={7}>{empty}</EmptyRow> : null}
        </tbody>
      </table>
    </div>
  );
}

/** The messages sent for one order or referral. */
export function DispatchTable({ dispatches, caption, empty }: { dispatches: readonly DispatchView[]; caption: string; empty: string }): ReactNode {
  return (
    <section className="registry-section" aria-labelledby="dispatches-title">
      <h2 id="dispatches-title">Dispatches</h2>
      <DispatchRows dispatches={dispatches} caption={caption} empty={empty} />
    </section>
  );
}
