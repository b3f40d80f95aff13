/**
 * Your API tokens: create with scopes (never more than your own permissions), revoke. The secret is
 * shown once, right after creation; afterwards only its prefix is known, to the server as well.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { PERMISSIONS, type CreatedTokenView, type Permission, type TokenView } from '../api/types';
import { StatusBadge } from '../badges';
import { can, useSession } from '../session';
import { ActionsHeader, PlaceholderRows } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

const DEFAULT_TTL_DAYS = 90;
const MAX_TTL_DAYS = 366;

export function TokensScreen(): ReactNode {
  useTitle('API tokens');
  const session = useSession();
  const tokens = useLoad(() => api.listTokens(), []);
  // Admins see every token of their agency; name the owners when the user list may be read.
  const othersOwn = tokens.data?.some((t) => t.userId !== session.user.id) ?? false;
  const users = useLoad(
    () => (othersOwn && can(session, 'user.read') ? api.listUsers() : Promise.resolve([])),
    [othersOwn],
  );
  const ownerOf = (userId: string): string =>
    userId === session.user.id ? 'you' : (users.data?.find((u) => u.id === userId)?.email ?? userId);
  const [created, setCreated] = useState<CreatedTokenView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <p className="lead">
        Tokens let scripts call the API as you, limited to the scopes you choose. Send one as{' '}
        <code>Authorization: Bearer &lt;secret&gt;</code>.
      </p>
      {created ? (
        <NewSecret
          created={created}
          onDismiss={() => {
            setCreated(null);
          }}
        />
      ) : (
        <CreateTokenForm
          onCreated={(c) => {
            setNotice(null);
            setCreated(c);
            tokens.reload();
          }}
        />
      )}
      <Notice>{notice}</Notice>
      <ErrorBanner error={tokens.error} title="Could not load tokens." />
      <div className="table-wrap">
        <table className="data">
          <caption className="visually-hidden">Your API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              {othersOwn ? <th scope="col">Owner</th> : null}
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {tokens.data?.map((t) => (
              <TokenRow
                key={t.id}
                token={t}
                owner={othersOwn ? ownerOf(t.userId) : null}
                onRevoked={() => {
                  setNotice(`Token “${t.name}” revoked.`);
                  tokens.reload();
                }}
              />
            ))}
            <PlaceholderRows columns={othersOwn ? 9 : 8} rows={tokens.data} loading={tokens.loading} empty="You have no API tokens." />
          </tbody>
        </table>
      </div>
    </section>
  );
}

function tokenStatus(t: TokenView, now: number): { label: string; tone: 'ok' | 'bad' | 'warn' } {
  if (t.revokedAt !== null) return { label: 'revoked', tone: 'bad' };
  if (t.expiresAt !== null && t.expiresAt <= now) return { label: 'expired', tone: 'warn' };
  return { label: 'active', tone: 'ok' };
}

function TokenRow({
  token,
  owner,
  onRevoked,
}: {
  token: TokenView;
  owner: string | null;
  onRevoked: () => void;
}): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const status = tokenStatus(token, Date.now());
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const revoke = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      await api.revokeToken(token.id);
      setConfirming(false);
      onRevoked();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <tr className={status.label === 'active' ? undefined : 'row-inactive'} data-token-id={token.id}>
      <td>{token.name}</td>
      {owner !== null ? <td>{owner}</td> : null}
      <td className="mono">{token.prefix}…</td>
      <td>{token.scopes.join(', ')}</td>
      <td>
        <Time ms={token.createdAt} />
      </td>
      <td>
        <Time ms={token.expiresAt} />
      </td>
      <td>
        <Time ms={token.lastUsedAt} />
      </td>
      <td>
        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
      </td>
      <td className="actions">
        {token.revokedAt === null ? (
          confirming ? (
            <>
              <button
                ref={confirmRef}
                type="button"
                className="button button-small button-danger"
                disabled={pending}
                onClick={() => void revoke()}
              >
                Confirm revoke
              </button>
              <button type="button" className="button button-small" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button
              type="button"
              className="button button-small"
              onClick={() => setConfirming(true)}
              aria-label={`Revoke token ${token.name}`}
            >
              Revoke
            </button>
          )
        ) : null}
        <ErrorBanner error={error} />
      </td>
    </tr>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (created: CreatedTokenView) => void }): ReactNode {
  const session = useSession();
  // A token never exceeds its owner, so only the owner's own permissions are offered as scopes.
  const offered = PERMISSIONS.filter((p) => session.permissions.includes(p));
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Permission[]>([]);
  const [days, setDays] = useState(String(DEFAULT_TTL_DAYS));
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const n = Number(days);
      const created = await api.createToken(name.trim(), scopes, days.trim() === '' ? undefined : n);
      setName('');
      setScopes([]);
      setDays(String(DEFAULT_TTL_DAYS));
      onCreated(created);
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="new-token-title">
      <h2 id="new-token-title">New token</h2>
      <ErrorBanner error={error} title="Could not create the token." />
      <div className="form-row">
        <div className="field">
          <label htmlFor="token-name">Name</label>
          <input
            id="token-name"
            required
            maxLength={200}
            placeholder="e.g. nightly import script"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field field-narrow">
          <label htmlFor="token-days">Expires in (days)</label>
          <input
            id="token-days"
            type="number"
            min={1}
            max={MAX_TTL_DAYS}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </div>
      </div>
      <fieldset className="checklist">
        <legend>Scopes</legend>
        {offered.map((p) => (
          <label key={p} htmlFor={`token-scope-${p}`}>
            <input
              id={`token-scope-${p}`}
              type="checkbox"
              checked={scopes.includes(p)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, p] : scopes.filter((s) => s !== p))}
            />
            {p}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={pending}>
        Create token
      </button>
    </form>
  );
}

function NewSecret({ created, onDismiss }: { created: CreatedTokenView; onDismiss: () => void }): ReactNode {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied('yes');
    } catch {
      // Clipboard access can be refused (permissions, non-secure origin): leave the text selected instead.
      inputRef.current?.select();
      setCopied('failed');
    }
  };

  return (
    <section className="panel panel-secret" aria-labelledby="secret-title">
      <h2 id="secret-title">Token “{created.token.name}” created</h2>
      <p className="warning" role="alert">
        Copy the secret now. It is shown only once: Vigil keeps only a hash of it and cannot show it again.
      </p>
      <div className="secret-row">
        <label htmlFor="token-secret" className="visually-hidden">
          Token secret
        </label>
        <input
          id="token-secret"
          ref={inputRef}
          className="mono secret"
          readOnly
          value={created.secret}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p className="hint" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : null}
        {copied === 'failed' ? 'Could not use the clipboard; the secret is selected, press Ctrl+C.' : null}
      </p>
      <button type="button" className="button button-primary" onClick={onDismiss}>
        I have stored the secret
      </button>
    </section>
  );
}
