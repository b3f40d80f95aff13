/**
 * The provider registry: the hosting providers every agency of the instance addresses, with their
 * domain patterns, TCO Art. 15 contact point (e-mail, webhook, portal agency), accepted languages,
 * main establishment and Art. 17 legal representative. A box says which provider a URL belongs to
 * and why. Authorities and flaggers with provider.manage add and change providers; provider
 * agencies only read.
 *
 * The provider form and the once-shown webhook secret are shared with the provider's own page.
 */
import { useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import {
  EEA_COUNTRIES,
  LEGAL_REPRESENTATIVE_ADDRESS_MAX,
  LEGAL_REPRESENTATIVE_NAME_MAX,
  PROVIDER_EMAIL_MAX,
  PROVIDER_NAME_MAX,
  PROVIDER_WEBHOOK_URL_MAX,
  providerApi,
  RESOLVE_URL_MAX,
  type NewProvider,
  type ProviderView,
  type Resolution,
  type WithSecret,
} from '../api/providers';
import type { AgencyView, SessionView } from '../api/types';
import { Field, FormButtons, OpenFormButton, Select, SelectField } from '../fields';
import { can, useSession } from '../session';
import { EmptyRow } from '../tables';
import { ErrorBanner, Time, useLoad, useTitle } from '../ui';

/** Whether this session may change the registry: the permission, and not a provider agency (VIGIL_PROVIDER_READ_ONLY). */
export function canEditProviders(session: SessionView): boolean {
  return can(session, 'provider.manage') && session.agency.kind !== 'provider';
}

/** Provider agencies this session can list, for the portal agency choice; empty when it may list none. */
export function useProviderAgencies(): { agencies: AgencyView[]; error: unknown } {
  const session = useSession();
  const canList = can(session, 'agency.read');
  const loaded = useLoad(() => (canList ? api.listAgencies() : Promise.resolve([])), [canList]);
  const agencies = useMemo(() => (loaded.data ?? []).filter((a) => a.kind === 'provider'), [loaded.data]);
  return { agencies, error: loaded.error };
}

export function ProvidersScreen(): ReactNode {
  useTitle('Providers');
  const session = useSession();
  const edit = canEditProviders(session);
  const providers = useLoad(() => providerApi.list(), []);
  const [search, setSearch] = useState('');
  const [created, setCreated] = useState<WithSecret | null>(null);
  const needle = search.trim().toLowerCase();
  const shown = (providers.data ?? []).filter(
    (p) => needle === '' || p.name.toLowerCase().includes(needle) || p.domainPatterns.some((d) => d.includes(needle)) || (p.contact.email ?? '').includes(needle),
  );

  return (
    <section aria-labelledby="providers-title">
      <h1 id="providers-title">Providers</h1>
      <p className="lead">
        Hosting providers that referrals and removal orders go to. One registry for the whole instance: a URL belongs to
        the provider with the most specific matching domain pattern.
      </p>
      <ResolveBox providers={providers.data ?? []} />
      {created ? (
        <SecretPanel
          title={
            <>
              Provider <Link to={`/providers/${created.provider.id}`}>{created.provider.name}</Link> created
            </>
          }
          secret={created.webhookSecret}
          onDismiss={() => setCreated(null)}
        />
      ) : null}
      {edit ? (
        <CreateProviderForm
          onCreated={(c) => {
            setCreated(c);
            providers.reload();
          }}
        />
      ) : null}
      <h2 id="registry-title">Registry</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="provider-search">Search providers</label>
          <input id="provider-search" type="search" placeholder="name, domain or e-mail" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </div>
      <ErrorBanner error={providers.error} title="Could not load the providers." />
      <div className="table-wrap">
        <table className="data providers">
          <caption className="visually-hidden">Providers by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Domain patterns</th>
              <th scope="col">Contact point</th>
              <th scope="col">Languages</th>
              <th scope="col">First-order notice</th>
              <th scope="col">Exposure</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id} data-provider-id={p.id}>
                <td>
                  <Link to={`/providers/${p.id}`}>{p.name}</Link>
                  {p.mainEstablishment ? <div className="small muted">established in {p.mainEstablishment}</div> : null}
                </td>
                <td className="small">
                  <PatternList patterns={p.domainPatterns} />
                </td>
                <td className="small">
                  <ContactSummary provider={p} />
                </td>
                <td>{p.acceptedLanguages.join(', ') || <span className="muted">—</span>}</td>
                <td className="nowrap">{p.firstOrderNoticeSentAt === null ? <span className="muted">not sent</span> : <>sent <Time ms={p.firstOrderNoticeSentAt} /></>}</td>
                <td>
                  <ExposureBadge provider={p} />
                </td>
                <td className="nowrap">
                  <Time ms={p.updatedAt} />
                </td>
              </tr>
            ))}
            {shown.length === 0 ? (
              <EmptyRow columns={7}>
                {providers.loading && !providers.data ? 'Loading…' : needle ? 'No provider matches the search.' : edit ? 'No providers yet. Add one above.' : 'No providers yet.'}
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function PatternList({ patterns }: { patterns: readonly string[] }): ReactNode {
  if (patterns.length === 0) return <span className="muted">none: no URL resolves to it</span>;
  return (
    <ul className="inline-list">
      {patterns.map((d) => (
        <li key={d}>
          <code>{d}</code>
        </li>
      ))}
    </ul>
  );
}

function ContactSummary({ provider: p }: { provider: ProviderView }): ReactNode {
  const ways = [p.contact.webhookUrl ? 'webhook' : null, p.contact.email ? p.contact.email : null, p.providerAgencyId ? 'portal' : null].filter((w): w is string => w !== null);
  if (ways.length === 0) return <span className="status status-bad">none</span>;
  return <>{ways.join(' · ')}</>;
}

/** TCO Art. 5(4): a provider with two or more final removal orders in twelve months is exposed. */
export function ExposureBadge({ provider: p }: { provider: ProviderView }): ReactNode {
  const n = p.exposure.finalOrdersLast12Months;
  if (p.exposure.exposed) return <span className="status status-bad" title={`${n} final removal orders in the last 12 months`}>exposed (Art. 5)</span>;
  return <span className="muted">not exposed</span>;
}

// ---------------------------------------------------------------------------
// Resolve a URL.

function ResolveBox({ providers }: { providers: readonly ProviderView[] }): ReactNode {
  const [url, setUrl] = useState('');
  const [result, setResult] = useState<Resolution | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameOf = (id: string): string => providers.find((p) => p.id === id)?.name ?? id;

  const resolve = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    setResult(null);
    try {
      setResult(await providerApi.resolve(url.trim()));
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void resolve(e)} aria-labelledby="resolve-title">
      <h2 id="resolve-title">Which provider hosts a URL?</h2>
      <div className="form-row">
        <div className="field field-wide">
          <label htmlFor="resolve-url">URL</label>
          <input id="resolve-url" required maxLength={RESOLVE_URL_MAX} spellCheck={false} autoComplete="off" placeholder="https://video.example/watch/123" value={url} onChange={(e) => setUrl(e.target.value)} />
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          Resolve
        </button>
      </div>
      <ErrorBanner error={error} title="Could not resolve the URL." />
      {result ? (
        <div className="resolution" role="status" aria-label="Resolution">
          {result.provider ? (
            <p>
              <Link to={`/providers/${result.provider.id}`}>{result.provider.name}</Link> by the pattern <code>{result.pattern}</code>: {result.reason}.
            </p>
          ) : (
            <p>No provider: {result.reason}.</p>
          )}
          <dl className="facts">
            <dt>Host</dt>
            <dd className="mono">{result.host}</dd>
            <dt>Normalised URL</dt>
            <dd className="mono break">{result.normalisedUrl}</dd>
          </dl>
          {result.tiedWith.length > 0 ? (
            <p className="alert alert-warn">
              As specific: {result.tiedWith.map(nameOf).join(', ')}. Two providers claim this host as specifically; fix their patterns.
            </p>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

// ---------------------------------------------------------------------------
// The secret, shown once.

export function SecretPanel({ title, secret, onDismiss }: { title: ReactNode; secret: string; onDismiss: () => void }): ReactNode {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const inputRef = useRef<HTMLInputElement>(null);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // The clipboard API exists only on https or localhost; select the text so Ctrl+C works.
      inputRef.current?.select();
      setCopied('failed');
    }
  };

  return (
    <section className="panel panel-secret" aria-labelledby="webhook-secret-title">
      <h2 id="webhook-secret-title">{title}</h2>
      <p>
        Give the provider this webhook secret now. It is shown only once; afterwards Vigil shows only its first characters. The
        provider checks the <code>x-vigil-signature</code> header of every webhook call with it (HMAC-SHA256).
      </p>
      <div className="secret-row">
        <label htmlFor="webhook-secret" className="visually-hidden">
          Webhook secret
        </label>
        <input id="webhook-secret" ref={inputRef} readOnly className="mono secret" value={secret} onFocus={(e) => e.target.select()} />
        <button type="button" className="button" onClick={() => void copy()}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="hint" role="status">
        {copied === 'failed' ? 'Could not use the clipboard; the secret is selected, press Ctrl+C.' : null}
      </p>
      <button type="button" className="button button-primary" onClick={onDismiss}>
        I have passed the secret on
      </button>
    </section>
  );
}

// ---------------------------------------------------------------------------
// The provider form, for creating and editing.

export interface ProviderDraft {
  name: string;
  domainPatterns: string;
  contactEmail: string;
  webhookUrl: string;
  providerAgencyId: string;
  acceptedLanguages: string;
  mainEstablishment: string;
  repName: string;
  repEmail: string;
  repAddress: string;
}

export const EMPTY_DRAFT: ProviderDraft = {
  name: '',
  domainPatterns: '',
  contactEmail: '',
  webhookUrl: '',
  providerAgencyId: '',
  acceptedLanguages: '',
  mainEstablishment: '',
  repName: '',
  repEmail: '',
  repAddress: '',
};

export function draftOf(p: ProviderView): ProviderDraft {
  return {
    name: p.name,
    domainPatterns: p.domainPatterns.join('\n'),
    contactEmail: p.contact.email ?? '',
    webhookUrl: p.contact.webhookUrl ?? '',
    providerAgencyId: p.providerAgencyId ?? '',
    acceptedLanguages: p.acceptedLanguages.join(', '),
    mainEstablishment: p.mainEstablishment ?? '',
    repName: p.legalRepresentative?.name ?? '',
    repEmail: p.legalRepresentative?.email ?? '',
    repAddress: p.legalRepresentative?.address ?? '',
  };
}

/** The draft as the API's fields: blanks are "none", lists are split; the server validates and says why. */
export function fieldsOf(d: ProviderDraft): NewProvider {
  const orNull = (v: string): string | null => (v.trim() === '' ? null : v.trim());
  const rep = [d.repName, d.repEmail, d.repAddress].some((v) => v.trim() !== '') ? { name: d.repName.trim(), email: d.repEmail.trim(), address: d.repAddress.trim() } : null;
  return {
    name: d.name.trim(),
    domainPatterns: d.domainPatterns.split('\n').map((l) => l.trim()).filter((l) => l !== ''),
    contactEmail: orNull(d.contactEmail),
    webhookUrl: orNull(d.webhookUrl),
    providerAgencyId: orNull(d.providerAgencyId),
    acceptedLanguages: d.acceptedLanguages.split(/[\s,;]+/).filter((l) => l !== ''),
    mainEstablishment: orNull(d.mainEstablishment),
    legalRepresentative: rep,
  };
}

export function ProviderFields({ idPrefix, draft, onChange }: { idPrefix: string; draft: ProviderDraft; onChange: (d: ProviderDraft) => void }): ReactNode {
  const { agencies, error } = useProviderAgencies();
  const id = (k: string): string => `${idPrefix}-${k}`;
  const set = (k: keyof ProviderDraft) => (value: string) => onChange({ ...draft, [k]: value });
  const text = (k: keyof ProviderDraft) => ({ id: id(k), value: draft[k], onChange: (e: { target: { value: string } }) => set(k)(e.target.value) });
  // A portal agency the list does not show (another agency's view, or none listable) stays editable as an id.
  const listed = agencies.length > 0 && (draft.providerAgencyId === '' || agencies.some((a) => a.id === draft.providerAgencyId));

  return (
    <>
      <ErrorBanner error={error} title="Could not list the provider agencies." />
      <div className="form-row">
        <div className="field">
          <label htmlFor={id('name')}>Name</label>
          {/* The form opens on a button press: the cursor goes where the typing starts. */}
          <input {...text('name')} required maxLength={PROVIDER_NAME_MAX} autoComplete="off" autoFocus />
        </div>
        <div className="field field-wide">
          <label htmlFor={id('domainPatterns')}>Domain patterns, one per line</label>
          <textarea {...text('domainPatterns')} rows={3} spellCheck={false} aria-describedby={id('domainPatterns-hint')} />
          <span id={id('domainPatterns-hint')} className="hint small">
            <code>example.com</code> (with its subdomains), <code>*.example.com</code> (subdomains only), <code>platform:telegram</code>
          </span>
        </div>
      </div>
      <fieldset className="subform">
        <legend>Contact point (TCO Art. 15)</legend>
        <div className="form-row">
          <div className="field">
            <label htmlFor={id('contactEmail')}>Contact e-mail</label>
            <input {...text('contactEmail')} type="email" maxLength={PROVIDER_EMAIL_MAX} autoComplete="off" />
          </div>
          <div className="field field-wide">
            <label htmlFor={id('webhookUrl')}>Webhook URL</label>
            <input {...text('webhookUrl')} type="url" maxLength={PROVIDER_WEBHOOK_URL_MAX} spellCheck={false} autoComplete="off" placeholder="https://hooks.provider.example/vigil" />
          </div>
          <Field id={id('providerAgencyId')} label={listed ? 'Portal agency' : 'Portal agency ID'}>
            {listed ? (
              <Select id={id('providerAgencyId')} value={draft.providerAgencyId} empty="none" options={agencies.map((a) => ({ value: a.id, label: a.name }))} onChange={set('providerAgencyId')} />
            ) : (
              <input {...text('providerAgencyId')} className="mono" spellCheck={false} autoComplete="off" placeholder="an agency of kind provider" />
            )}
          </Field>
          <div className="field field-narrow">
            <label htmlFor={id('acceptedLanguages')}>Accepted languages</label>
            <input {...text('acceptedLanguages')} spellCheck={false} autoComplete="off" placeholder="en, de" aria-describedby={id('acceptedLanguages-hint')} />
            <span id={id('acceptedLanguages-hint')} className="hint small">
              ISO 639-1 codes
            </span>
          </div>
        </div>
      </fieldset>
      <fieldset className="subform">
        <legend>Establishment and legal representative (TCO Art. 17)</legend>
        <div className="form-row">
          <SelectField
            id={id('mainEstablishment')}
            label="Main establishment"
            width="narrow"
            value={draft.mainEstablishment}
            empty="outside the EU/EEA"
            options={EEA_COUNTRIES}
            onChange={set('mainEstablishment')}
          />
          <div className="field">
            <label htmlFor={id('repName')}>Representative’s name</label>
            <input {...text('repName')} maxLength={LEGAL_REPRESENTATIVE_NAME_MAX} autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor={id('repEmail')}>Representative’s e-mail</label>
            <input {...text('repEmail')} type="email" maxLength={PROVIDER_EMAIL_MAX} autoComplete="off" />
          </div>
          <div className="field field-wide">
            <label htmlFor={id('repAddress')}>Representative’s address</label>
            <input {...text('repAddress')} maxLength={LEGAL_REPRESENTATIVE_ADDRESS_MAX} autoComplete="off" />
          </div>
        </div>
        <p className="hint">A provider without an establishment in the Union designates a legal representative in it; leave all three empty for none.</p>
      </fieldset>
    </>
  );
}

function CreateProviderForm({ onCreated }: { onCreated: (c: WithSecret) => void }): ReactNode {
  const [draft, setDraft] = useState<ProviderDraft>(EMPTY_DRAFT);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const created = await providerApi.create(fieldsOf(draft));
      setDraft(EMPTY_DRAFT);
      setOpen(false);
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  if (!open) return <OpenFormButton onOpen={() => setOpen(true)}>Add a provider</OpenFormButton>;
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="new-provider-title">
      <h2 id="new-provider-title">Add a provider</h2>
      <ErrorBanner error={error} title="Could not add the provider." />
      <ProviderFields idPrefix="provider-new" draft={draft} onChange={setDraft} />
      <FormButtons submit="Create provider" pending={pending} onCancel={() => setOpen(false)} />
    </form>
  );
}
