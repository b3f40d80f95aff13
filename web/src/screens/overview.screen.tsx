/** Landing page after login: who you are, and the screens your permissions open. */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { screensFor } from '../nav';
import { useSession } from '../session';
import { useTitle } from '../ui';

export function OverviewScreen(): ReactNode {
  useTitle('Overview');
  const session = useSession();
  const visible = screensFor(session);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <dl className="facts">
        <dt>Signed in as</dt>
        <dd>
          {session.user.displayName} <span className="muted">({session.user.email})</span>
        </dd>
        <dt>Agency</dt>
        <dd>
          {session.agency.name} <span className="muted">({session.agency.kind}{session.agency.operator ? ', operator' : ''})</span>
        </dd>
        <dt>Roles</dt>
        <dd>{session.user.roles.join(', ') || '—'}</dd>
      </dl>
      {visible.length === 0 ? (
        <p>Your roles do not open any administration screen yet.</p>
      ) : (
        <ul className="cards">
          {visible.map((s) => (
            <li key={s.path} className="card">
              <Link to={s.path}>{s.label}</Link>
              <p>{s.about}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
