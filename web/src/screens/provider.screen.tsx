/**
 * One provider: its registry entry (editable by authorities and flaggers with provider.manage), its
 * webhook secret (rotated here, the new one shown once), your agency's TCO Art. 3(2) first-order
 * notice and the button to send it (authorities only), its Art. 5(4) exposure, and every message
 * your agency sent it with the delivery log of each. While a message is still being delivered the
 * list looks again on its own.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useParams } from 'react-router';
import {
  DISPATCH_STATES,
  NOTICE_MESSAGE_MAX,
  providerApi,
  type DispatchState,
  type ProviderView,
  type WithSecret,
} from '../api/providers';
import { DispatchRows } from '../dispatch-table';
import { FormButtons, SelectField } from '../fields';
import { useCursorPages } from '../paged-list';
import { CreatedUpdatedFacts, RecordHeading } from '../record-page';
import { can, useSession } from '../session';
import { LoadMoreButton } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';
import { canEditProviders, draftOf, ExposureBadge, fieldsOf, PatternList, ProviderFields, SecretPanel, useProviderAgencies, type ProviderDraft } from './providers.screen';

const DISPATCH_PAGE_SIZE = 50;
/** How often the dispatch list looks again while a message is queued or being delivered. */
const DELIVERY_POLL_MS = 2_000;

export function ProviderRoute(): ReactNode {
  const { providerId = '' } = useParams();
  // A new key per provider: no form or secret carries over from one provider to the next.
  return <ProviderScreen key={providerId} providerId={providerId} />;
}

function ProviderScreen({ providerId }: { providerId: string }): ReactNode {
  const session = useSession();
  const edit = canEditProviders(session);
  const detail = useLoad(() => providerApi.get(providerId), [providerId]);
  const [notice, setNotice] = useState<ReactNode>(null);
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<WithSecret | null>(null);
  const [dispatchesVersion, setDispatchesVersion] = useState(0);
  // Every change answers with the provider as stored: shown at once, no second request.
  const [saved, setSaved] = useState<ProviderView | null>(null);
  const provider = saved ?? detail.data;
  useTitle(provider ? `Provider ${provider.name}` : 'Provider');

  return (
    <section aria-labelledby="provider-title">
      <RecordHeading
        list="/providers"
        listLabel="Providers"
        titleId="provider-title"
        title={provider ? provider.name : 'Provider'}
        error={detail.error}
        errorTitle="Could not load the provider."
        loading={detail.loading && !provider}
      />
      {provider ? (
        <>
          <p className="bank-badges">
            <ExposureBadge provider={provider} />{' '}
            {provider.firstOrderNoticeSentAt === null ? <span className="tag">first-order notice not sent</span> : <span className="tag">first-order notice sent</span>}
          </p>
          <Notice>{notice}</Notice>
          {secret ? <SecretPanel title="New webhook secret" secret={secret.webhookSecret} onDismiss={() => setSecret(null)} /> : null}
          {editing ? (
            <EditProviderForm
              provider={provider}
              onDone={(done) => {
                setEditing(false);
                if (done) {
                  setNotice('Provider saved.');
                  setSaved(done);
                }
              }}
            />
          ) : (
            <ProviderFacts
              provider={provider}
              edit={edit}
              onEdit={() => {
                setNotice(null);
                setEditing(true);
              }}
              onRotated={(s) => {
                setSecret(s);
                setNotice('Webhook secret replaced: the old one no longer verifies.');
                setSaved(s.provider);
              }}
            />
          )}
          <FirstOrderNotice
            provider={provider}
            onSent={(message, p) => {
              setNotice(message);
              setSaved(p);
              setDispatchesVersion((v) => v + 1);
            }}
          />
          <Exposure provider={provider} />
          <Dispatches key={dispatchesVersion} provider={provider} />
        </>
      ) : null}
    </section>
  );
}

function ProviderFacts({ provider: p, edit, onEdit, onRotated }: { provider: ProviderView; edit: boolean; onEdit: () => void; onRotated: (s: WithSecret) => void }): ReactNode {
  const { agencies } = useProviderAgencies();
  const portal = p.providerAgencyId ? (agencies.find((a) => a.id === p.providerAgencyId)?.name ?? p.providerAgencyId) : null;
  const rep = p.legalRepresentative;
  return (
    <section className="registry-section" aria-labelledby="provider-facts-title">
      <h2 id="provider-facts-title">Registry entry</h2>
      <dl className="facts">
        <dt>Domain patterns</dt>
        <dd>
          <PatternList patterns={p.domainPatterns} />
        </dd>
        <dt>Contact e-mail</dt>
        <dd>{p.contact.email ?? <span className="muted">—</span>}</dd>
        <dt>Webhook URL</dt>
        <dd className="mono break">{p.contact.webhookUrl ?? <span className="muted">—</span>}</dd>
        <dt>Webhook secret</dt>
        <dd>
          {p.contact.webhookSecretHint ? <code>{p.contact.webhookSecretHint}</code> : <span className="muted">—</span>}
          {edit ? <RotateSecret provider={p} onRotated={onRotated} /> : null}
        </dd>
        <dt>Portal agency</dt>
        <dd>{portal ?? <span className="muted">none</span>}</dd>
        <dt>Accepted languages</dt>
        <dd>{p.acceptedLanguages.join(', ') || <span className="muted">—</span>}</dd>
        <dt>Main establishment</dt>
        <dd>{p.mainEstablishment ?? 'outside the EU/EEA'}</dd>
        <dt>Legal representative</dt>
        <dd>
          {rep ? (
            <>
              {rep.name} <span className="muted">({rep.email})</span>
              <div className="small">{rep.address}</div>
            </>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <CreatedUpdatedFacts createdAt={p.createdAt} updatedAt={p.updatedAt} />
      </dl>
      {edit ? (
        <button type="button" className="button" onClick={onEdit}>
          Edit provider
        </button>
      ) : null}
    </section>
  );
}

function RotateSecret({ provider, onRotated }: { provider: ProviderView; onRotated: (s: WithSecret) => void }): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const rotate = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      onRotated(await providerApi.rotateSecret(provider.id));
      setConfirming(false);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="rotate-secret">
      <ErrorBanner error={error} title="Could not replace the secret." />
      {confirming ? (
        <div className="alert alert-warn" role="group" aria-label="Confirm the new secret">
          <span>The provider’s receiver rejects Vigil’s calls until it is given the new secret.</span>{' '}
          <button type="button" className="button button-danger button-small" disabled={pending} onClick={() => void rotate()}>
            Replace the secret now
          </button>{' '}
          <button type="button" className="button button-small" onClick={() => setConfirming(false)}>
            Keep the current secret
          </button>
        </div>
      ) : (
        <button type="button" className="button button-small" onClick={() => setConfirming(true)}>
          Rotate secret
        </button>
      )}
    </div>
  );
}

function EditProviderForm({ provider, onDone }: { provider: ProviderView; onDone: (saved: ProviderView | null) => void }): ReactNode {
  const [draft, setDraft] = useState<ProviderDraft>(draftOf(provider));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const save = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      onDone(await providerApi.update(provider.id, fieldsOf(draft)));
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };

  return (
    <form className="panel panel-edit" onSubmit={(e) => void save(e)} aria-labelledby="provider-edit-title" onKeyDown={(e) => e.key === 'Escape' && onDone(null)}>
      <h2 id="provider-edit-title">Edit provider</h2>
      <ErrorBanner error={error} title="Could not save the provider." />
      <ProviderFields idPrefix="provider-edit" draft={draft} onChange={setDraft} />
      <FormButtons submit="Save provider" pending={pending} onCancel={() => onDone(null)}>
        <span className="hint small">Esc cancels.</span>
      </FormButtons>
    </form>
  );
}

/** TCO Art. 3(2): an authority tells a provider its procedures and deadlines at least 12 hours before its first removal order. */
function FirstOrderNotice({ provider, onSent }: { provider: ProviderView; onSent: (message: string, p: ProviderView) => void }): ReactNode {
  const session = useSession();
  const canSend = can(session, 'provider.manage') && session.agency.kind === 'authority';
  const [message, setMessage] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const send = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const sent = await providerApi.sendFirstOrderNotice(provider.id, message.trim());
      setMessage('');
      onSent(`First-order notice sent through ${sent.dispatches.map((d) => d.channel).join(', ')}.`, sent.provider);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="notice-title">
      <h2 id="notice-title">First-order notice (TCO Art. 3(2))</h2>
      {provider.firstOrderNoticeSentAt !== null ? (
        <p>
          {session.agency.name} sent {provider.name} its notice of procedures and deadlines on <Time ms={provider.firstOrderNoticeSentAt} />. Removal orders may follow 12 hours after it.
        </p>
      ) : canSend ? (
        <form onSubmit={(e) => void send(e)} aria-label="Send the first-order notice">
          <p>
            Before {session.agency.name}’s first removal order to {provider.name}, send it your procedures and deadlines, at least
            12 hours ahead. Vigil sends the notice through every contact point the provider has.
          </p>
          <ErrorBanner error={error} title="Could not send the notice." />
          <div className="field field-wide">
            <label htmlFor="notice-message">Message added to the notice (optional)</label>
            <textarea id="notice-message" rows={3} maxLength={NOTICE_MESSAGE_MAX} value={message} onChange={(e) => setMessage(e.target.value)} />
          </div>
          <div className="button-row">
            <button type="submit" className="button button-primary" disabled={pending}>
              Send first-order notice
            </button>
          </div>
        </form>
      ) : (
        <p className="muted">
          {session.agency.kind === 'authority' ? 'Sending the notice needs the permission provider.manage.' : 'Only authorities issue removal orders, so only they send this notice.'} {session.agency.name} has not sent one.
        </p>
      )}
    </section>
  );
}

function Exposure({ provider: p }: { provider: ProviderView }): ReactNode {
  const n = p.exposure.finalOrdersLast12Months;
  return (
    <section className="registry-section" aria-labelledby="exposure-title">
      <h2 id="exposure-title">Exposure (TCO Art. 5(4))</h2>
      <p>
        {n} final removal order{n === 1 ? '' : 's'} in the last 12 months, from every agency on this instance.{' '}
        {p.exposure.exposed ? (
          <strong>The provider is exposed to terrorist content: it must take specific measures (Art. 5(4)).</strong>
        ) : (
          'Two or more make the provider exposed to terrorist content.'
        )}
      </p>
    </section>
  );
}

function Dispatches({ provider }: { provider: ProviderView }): ReactNode {
  const [state, setState] = useState<DispatchState | ''>('');
  const { rows, nextBefore, loading, error, loadMore, reload } = useCursorPages(async (before) => {
    const page = await providerApi.dispatches({ providerId: provider.id, limit: DISPATCH_PAGE_SIZE, before, ...(state ? { state } : {}) });
    return { rows: page.dispatches, nextBefore: page.nextBefore };
  }, [provider.id, state]);
  const pendingDelivery = rows.some((d) => d.state === 'queued' || d.state === 'delivering');

  useEffect(() => {
    if (!pendingDelivery) return;
    const timer = window.setTimeout(reload, DELIVERY_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [pendingDelivery, rows]);

  return (
    <section className="registry-section" aria-labelledby="dispatches-title">
      <h2 id="dispatches-title">Sent by your agency</h2>
      <div className="toolbar">
        <SelectField id="dispatch-state" label="State" width="narrow" value={state} empty="any" options={DISPATCH_STATES} onChange={setState} />
        <button type="button" className="button button-small" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} title="Could not load what was sent." />
      <DispatchRows
        dispatches={rows}
        caption={`Messages sent to ${provider.name}, newest first`}
        empty={loading ? 'Loading…' : state ? `No ${state} messages.` : 'Your agency has sent this provider nothing yet.'}
        withSubject
      />
      {nextBefore !== null ? <LoadMoreButton loading={loading} onLoadMore={loadMore} /> : null}
    </section>
  );
}
