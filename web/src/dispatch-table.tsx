/** The messages sent for one order or referral, each with its channel, delivery state, receipt and delivery log. */
import type { ReactNode } from 'react';
import type { DispatchView } from './api/providers';
import { StatusBadge } from './badges';
import { DeliveryLog, STATE_TONE } from './screens/provider.screen';
import { EmptyRow } from './tables';
import { Time } from './ui';

export function DispatchTable({ dispatches, caption, empty }: { dispatches: readonly DispatchView[]; caption: string; empty: string }): ReactNode {
  return (
    <section className="registry-section" aria-labelledby="dispatches-title">
      <h2 id="dispatches-title">Dispatches</h2>
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
                <td>{d.title}</td>
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
    </section>
  );
}
