/**
 * The portal of a provider agency: what authorities and flaggers sent it through Vigil (first-order
 * notices now; referrals and removal orders arrive the same way), newest first, and the
 * acknowledgement of receipt. The time of receipt matters: TCO Art. 3(3) counts the one hour to
 * remove from it, so "Mark received" says so and the first receipt stands.
 *
 * The inbox is one tab of the portal, beside the removal orders, referrals and complaints addressed
 * to the agency; the tab sits in the address (`?tab=`), as do the filters.
 */
import { useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { providerApi, SUBJECT_LABELS, type PortalMessageView } from '../api/providers';
import { useCursorPages } from '../paged-list';
import { useSession } from '../session';
import { ErrorBanner, Notice, Tabs, Time, useTitle, type Tab } from '../ui';
import { PortalComplaintsTab } from './portal-complaints.screen';
import { PortalOrdersTab } from './portal-orders.screen';
import { PortalReferralsTab } from './portal-referrals.screen';

const PAGE_SIZE = 50;

/** Who sent a message: the issuing agency named in it, else the sending agency's id. */
function senderOf(m: PortalMessageView): string {
  const issuing = m.payload['issuingAgency'];
  if (typeof issuing === 'object' && issuing !== null && typeof (issuing as { name?: unknown }).name === 'string') return (issuing as { name: string }).name;
  return `agency ${m.fromAgencyId}`;
}

export function PortalScreen(): ReactNode {
  useTitle('Portal');
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const unreceivedOnly = params.get('unreceived') === '1';

  const set = (key: string, value: string | null): void => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(key);
    else next.set(key, value);
    setParams(next);
  };

  const tabs: Tab[] = [
    { id: 'messages', label: 'Messages', content: <Inbox unreceivedOnly={unreceivedOnly} onUnreceivedOnly={(v) => set('unreceived', v ? '1' : null)} /> },
    { id: 'orders', label: 'Orders', content: <PortalOrdersTab /> },
    { id: 'referrals', label: 'Referrals', content: <PortalReferralsTab openOnly={params.get('open') === '1'} onOpenOnly={(v) => set('open', v ? '1' : null)} /> },
    { id: 'complaints', label: 'Complaints', content: <PortalComplaintsTab /> },
  ];

  return (
    <section aria-labelledby="portal-title">
      <h1 id="portal-title">Portal</h1>
      <p className="lead">
        What authorities and flaggers sent {session.agency.name} through Vigil. Marking a message received records the
        time of receipt, which starts the clocks of the Terrorist Content Online Regulation (one hour to act on a removal
        order, Art. 3(3)).
      </p>
      <Tabs label="Portal" tabs={tabs} selected={params.get('tab') ?? 'messages'} onSelect={(id) => set('tab', id)} />
    </section>
  );
}

function Inbox({ unreceivedOnly, onUnreceivedOnly }: { unreceivedOnly: boolean; onUnreceivedOnly: (v: boolean) => void }): ReactNode {
  const [notice, setNotice] = useState<string | null>(null);
  const { rows: messages, setRows: setMessages, nextBefore, loading, error, loadMore, reload } = useCursorPages(
    async (before) => {
      const page = await providerApi.portalMessages({ limit: PAGE_SIZE, before, ...(unreceivedOnly ? { unreceived: true } : {}) });
      return { rows: page.messages, nextBefore: page.nextBefore };
    },
    [unreceivedOnly],
    { clearErrorOnRead: true },
  );

  // A received message stays in view (also under the filter) until the next refresh, so the
  // person sees the receipt they just recorded.
  const received = (m: PortalMessageView): void => {
    setMessages((prev) => prev.map((x) => (x.id === m.id ? m : x)));
    setNotice(`“${m.title}” marked received.`);
  };

  return (
    <>
      <div className="toolbar">
        <label className="check">
          <input type="checkbox" checked={unreceivedOnly} onChange={(e) => onUnreceivedOnly(e.target.checked)} /> Only messages not yet marked received
        </label>
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBanner error={error} title="Could not load the messages." />
      {messages.length === 0 ? (
        <p className="muted">{loading ? 'Loading…' : unreceivedOnly ? 'Every message has been marked received.' : 'No messages yet.'}</p>
      ) : (
        <ol className="messages" aria-label="Messages, newest first">
          {messages.map((m) => (
            <MessageCard key={m.id} message={m} onReceived={received} />
          ))}
        </ol>
      )}
      {nextBefore !== null ? (
        <button type="button" className="button" onClick={() => void loadMore()} disabled={loading}>
          Load more
        </button>
      ) : null}
    </>
  );
}

function MessageCard({ message: m, onReceived }: { message: PortalMessageView; onReceived: (m: PortalMessageView) => void }): ReactNode {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = `message-${m.id}-title`;
  const structured = Object.keys(m.payload).length > 0;

  const markReceived = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      onReceived(await providerApi.markReceived(m.id));
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <li className={`message panel${m.receivedAt === null ? ' message-unreceived' : ''}`} aria-labelledby={titleId} data-message-id={m.id}>
      <h2 id={titleId} className="message-title">
        {m.title}
      </h2>
      <p className="message-meta">
        <span className="tag">{SUBJECT_LABELS[m.subjectKind]}</span> from {senderOf(m)} · sent <Time ms={m.createdAt} />
        {' · '}
        {m.receivedAt === null ? (
          <span className="status status-warn">not yet received</span>
        ) : (
          <span className="status status-ok">
            received <Time ms={m.receivedAt} />
          </span>
        )}
      </p>
      <ErrorBanner error={error} title="Could not mark the message received." />
      <div className="message-text">{m.text}</div>
      {structured ? (
        <details className="message-data">
          <summary>Structured data</summary>
          <pre className="mono">{JSON.stringify(m.payload, null, 2)}</pre>
        </details>
      ) : null}
      {m.receivedAt === null ? (
        <div className="button-row">
          <button type="button" className="button button-primary" disabled={pending} aria-label={`Mark received: ${m.title}`} onClick={() => void markReceived()}>
            Mark received
          </button>
          <span className="hint small">Records now as the time your agency received it.</span>
        </div>
      ) : null}
    </li>
  );
}
