/**
 * Users of an agency: list (user.read), create, edit roles and name, disable, set a password (user.manage).
 * The operator's admins (instance.manage) may pick another agency to view and to create users in.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api, type UserChange } from '../api/client';
import { ROLES, type Role, type UserView } from '../api/types';
import { StatusBadge } from '../badges';
import { FormButtons, SelectField } from '../fields';
import { formatTime } from '../format';
import { can, useSession } from '../session';
import { ActionsHeader, PlaceholderRows } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

/** The server's rule, repeated as a hint; the server decides and its message is shown if it refuses. */
const PASSWORD_MIN_LENGTH = 12;

export function UsersScreen(): ReactNode {
  useTitle('Users');
  const session = useSession();
  const manage = can(session, 'user.manage');
  const operator = can(session, 'instance.manage');
  const [agencyId, setAgencyId] = useState(session.agency.id);
  const agencies = useLoad(() => (operator ? api.listAgencies() : Promise.resolve([session.agency])), [operator]);
  const users = useLoad(() => api.listUsers(operator ? agencyId : undefined), [agencyId, operator]);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<UserView | null>(null);

  const agencyName = (id: string): string => agencies.data?.find((a) => a.id === id)?.name ?? id;

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      {operator ? (
        <div className="toolbar">
          <SelectField
            id="users-agency"
            label="Agency"
            width="inline"
            value={agencyId}
            options={(agencies.data ?? [session.agency]).map((a) => ({ value: a.id, label: a.name }))}
            onChange={(id) => {
              setAgencyId(id);
              setEditing(null);
              setNotice(null);
            }}
          />
        </div>
      ) : null}
      <ErrorBanner error={agencies.error} title="Could not load agencies." />

      {manage ? (
        <CreateUserForm
          agencyId={agencyId}
          agencyName={agencyName(agencyId)}
          sendAgency={operator}
          onCreated={(u) => {
            setNotice(`User ${u.email} created.`);
            users.reload();
          }}
        />
      ) : null}

      {editing ? (
        <EditUserPanel
          key={editing.id}
          user={editing}
          isSelf={editing.id === session.user.id}
          onDone={(message) => {
            setEditing(null);
            if (message) setNotice(message);
            users.reload();
          }}
        />
      ) : null}

      <Notice>{notice}</Notice>
      {manage && agencyId !== session.agency.id ? (
        <p className="muted">
          Users of another agency are managed by that agency’s own admins: from here you can see them and create
          users (such as their first admin), not edit them.
        </p>
      ) : null}
      <ErrorBanner error={users.error} title="Could not load users." />
      <div className="table-wrap">
        <table className="data" aria-describedby="users-count">
          <caption className="visually-hidden">Users of {agencyName(agencyId)}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {users.data?.map((u) => (
              <tr key={u.id} data-user-id={u.id}>
                <td>
                  {u.displayName}
                  {u.id === session.user.id ? <span className="tag">you</span> : null}
                </td>
                <td>{u.email}</td>
                <td>{u.roles.join(', ') || <span className="muted">none</span>}</td>
                <td>
                  <UserStatus user={u} />
                </td>
                <td>
                  <Time ms={u.createdAt} />
                </td>
                <td className="actions">
                  {can(session, 'audit.read') ? (
                    <Link
                      className="button button-small"
                      to={`/audit?targetType=user&targetId=${encodeURIComponent(u.id)}`}
                      aria-label={`Audit history of ${u.email}`}
                    >
                      History
                    </Link>
                  ) : null}
                  {manage && u.agencyId === session.agency.id ? (
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => setEditing(u)}
                      aria-label={`Edit ${u.email}`}
                    >
                      Edit
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            <PlaceholderRows columns={6} rows={users.data} loading={users.loading} empty="No users in this agency." />
          </tbody>
        </table>
      </div>
      <p id="users-count" className="muted">
        {users.data ? `${users.data.length} user${users.data.length === 1 ? '' : 's'}` : null}
      </p>
    </section>
  );
}

function UserStatus({ user }: { user: UserView }): ReactNode {
  if (user.disabled) return <StatusBadge tone="bad">disabled</StatusBadge>;
  if (user.lockedUntil !== null && user.lockedUntil > Date.now()) {
    return <StatusBadge tone="warn">locked until {formatTime(user.lockedUntil)}</StatusBadge>;
  }
  return <StatusBadge tone="ok">active</StatusBadge>;
}

function RoleChecklist({
  idPrefix,
  legend,
  value,
  onChange,
}: {
  idPrefix: string;
  legend: string;
  value: Role[];
  onChange: (roles: Role[]) => void;
}): ReactNode {
  return (
    <fieldset className="checklist">
      <legend>{legend}</legend>
      {ROLES.map((r) => (
        <label key={r} htmlFor={`${idPrefix}-${r}`}>
          <input
            id={`${idPrefix}-${r}`}
            type="checkbox"
            checked={value.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))}
          />
          {r}
        </label>
      ))}
    </fieldset>
  );
}

function CreateUserForm({
  agencyId,
  agencyName,
  sendAgency,
  onCreated,
}: {
  agencyId: string;
  agencyName: string;
  sendAgency: boolean;
  onCreated: (user: UserView) => void;
}): ReactNode {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>(['analyst']);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const user = await api.createUser({
        email: email.trim(),
        displayName: displayName.trim(),
        password,
        roles,
        ...(sendAgency ? { agencyId } : {}),
      });
      setEmail('');
      setDisplayName('');
      setPassword('');
      setRoles(['analyst']);
      onCreated(user);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="new-user-title">
      <h2 id="new-user-title">
        New user <span className="muted">in {agencyName}</span>
      </h2>
      <ErrorBanner error={error} title="Could not create the user." />
      <div className="form-row">
        <div className="field">
          <label htmlFor="new-user-email">E-mail</label>
          <input
            id="new-user-email"
            type="email"
            autoComplete="off"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="new-user-name">Display name</label>
          <input id="new-user-name" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="new-user-password">Initial password</label>
          <input
            id="new-user-password"
            type="password"
            autoComplete="new-password"
            required
            aria-describedby="new-user-password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <span id="new-user-password-hint" className="hint">
            At least {PASSWORD_MIN_LENGTH} characters.
          </span>
        </div>
      </div>
      <RoleChecklist idPrefix="new-user-role" legend="Roles" value={roles} onChange={setRoles} />
      <button type="submit" className="button button-primary" disabled={pending}>
        Create user
      </button>
    </form>
  );
}

function EditUserPanel({
  user,
  isSelf,
  onDone,
}: {
  user: UserView;
  isSelf: boolean;
  onDone: (message: string | null) => void;
}): ReactNode {
  const [displayName, setDisplayName] = useState(user.displayName);
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [disabled, setDisabled] = useState(user.disabled);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const save = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const change: UserChange = {};
      if (displayName.trim() !== user.displayName) change.displayName = displayName.trim();
      if (roles.join() !== user.roles.join()) change.roles = roles;
      if (disabled !== user.disabled) change.disabled = disabled;
      if (Object.keys(change).length > 0) await api.updateUser(user.id, change);
      onDone(Object.keys(change).length > 0 ? `User ${user.email} updated.` : null);
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };

  const changePassword = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      await api.setPassword(user.id, password);
      onDone(`Password of ${user.email} changed.`);
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };

  return (
    <section className="panel panel-edit" aria-labelledby="edit-user-title">
      <h2 id="edit-user-title" ref={headingRef} tabIndex={-1}>
        Edit {user.email}
      </h2>
      <ErrorBanner error={error} title="Could not save." />
      <form onSubmit={(e) => void save(e)}>
        <div className="form-row">
          <div className="field">
            <label htmlFor="edit-user-name">Display name</label>
            <input id="edit-user-name" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </div>
          <label className="check" htmlFor="edit-user-disabled">
            <input
              id="edit-user-disabled"
              type="checkbox"
              checked={disabled}
              disabled={isSelf}
              onChange={(e) => setDisabled(e.target.checked)}
            />
            Disabled (cannot log in; tokens stop working)
          </label>
        </div>
        <RoleChecklist idPrefix="edit-user-role" legend="Roles" value={roles} onChange={setRoles} />
        <FormButtons submit="Save changes" pending={pending} onCancel={() => onDone(null)} />
      </form>
      <form className="subform" onSubmit={(e) => void changePassword(e)}>
        {/* Tells password managers whose password this is, so they do not file it under the admin. */}
        <input type="text" name="username" autoComplete="username" value={user.email} readOnly hidden />
        <div className="form-row">
          <div className="field">
            <label htmlFor="edit-user-password">New password</label>
            <input
              id="edit-user-password"
              type="password"
              autoComplete="new-password"
              required
                value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <button type="submit" className="button" disabled={pending}>
            Set password
          </button>
        </div>
      </form>
    </section>
  );
}

