/** Routes and the signed-in layout: one route per screen, nav items by permission. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Navigate, NavLink, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router';
import { AgenciesScreen } from './screens/agencies.screen';
import { AuditScreen } from './screens/audit.screen';
import { BankRoute } from './screens/bank.screen';
import { BanksScreen } from './screens/banks.screen';
import { CaseRoute } from './screens/case.screen';
import { ComposeOrderScreen, ComposeReferralScreen } from './screens/compose.screen';
import { CustodyScreen } from './screens/custody.screen';
import { IntakeScreen } from './screens/intake.screen';
import { ItemRoute } from './screens/item.screen';
import { ItemsScreen } from './screens/items.screen';
import { JobsScreen } from './screens/jobs.screen';
import { LoginScreen } from './screens/login.screen';
import { OrderRoute } from './screens/order.screen';
import { OrdersScreen } from './screens/orders.screen';
import { OutletRoute } from './screens/outlet.screen';
import { OutletsScreen } from './screens/outlets.screen';
import { OverviewScreen } from './screens/overview.screen';
import { PortalOrderRoute } from './screens/portal-orders.screen';
import { PortalReferralRoute } from './screens/portal-referrals.screen';
import { PortalScreen } from './screens/portal.screen';
import { ProviderRoute } from './screens/provider.screen';
import { ProvidersScreen } from './screens/providers.screen';
import { ReferralRoute } from './screens/referral.screen';
import { ReferralsScreen } from './screens/referrals.screen';
import { ReviewQueueScreen } from './screens/review-queue.screen';
import { SourceScreen } from './screens/source.screen';
import { SourcesScreen } from './screens/sources.screen';
import { TokensScreen } from './screens/tokens.screen';
import { UsersScreen } from './screens/users.screen';
import { screensFor } from './nav';
import { can, useSession, useSessionApi } from './session';
import { ErrorBanner, useTitle } from './ui';

export function App(): ReactNode {
  return (
    <Routes>
      <Route path="/login" element={<LoginRoute />} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<OverviewScreen />} />
        <Route path="intake" element={<Permitted permission="item.write"><IntakeScreen /></Permitted>} />
        <Route path="items" element={<Permitted permission="item.read"><ItemsScreen /></Permitted>} />
        <Route path="items/:itemId" element={<Permitted permission="item.read"><ItemRoute /></Permitted>} />
        <Route path="review" element={<Permitted permission="item.read"><ReviewQueueScreen /></Permitted>} />
        <Route path="review/:caseId" element={<Permitted permission="item.read"><CaseRoute /></Permitted>} />
        <Route path="sources" element={<Permitted permission="item.read"><SourcesScreen /></Permitted>} />
        <Route path="sources/:sourceId" element={<Permitted permission="item.read"><SourceScreen /></Permitted>} />
        <Route path="banks" element={<Permitted permission="bank.read"><BanksScreen /></Permitted>} />
        <Route path="banks/:bankId" element={<Permitted permission="bank.read"><BankRoute /></Permitted>} />
        <Route path="outlets" element={<Permitted permission="item.read"><OutletsScreen /></Permitted>} />
        <Route path="outlets/:outletId" element={<Permitted permission="item.read"><OutletRoute /></Permitted>} />
        <Route path="providers" element={<Permitted permission="provider.read"><ProvidersScreen /></Permitted>} />
        <Route path="providers/:providerId" element={<Permitted permission="provider.read"><ProviderRoute /></Permitted>} />
        <Route path="portal" element={<Permitted permission="portal.respond"><PortalScreen /></Permitted>} />
        <Route path="portal/orders/:orderId" element={<Permitted permission="portal.respond"><PortalOrderRoute /></Permitted>} />
        <Route path="portal/referrals/:referralId" element={<Permitted permission="portal.respond"><PortalReferralRoute /></Permitted>} />
        <Route path="orders" element={<Permitted permission="order.read"><OrdersScreen /></Permitted>} />
        <Route path="orders/new" element={<Permitted permission="review.decide"><ComposeOrderScreen /></Permitted>} />
        <Route path="orders/:orderId" element={<Permitted permission="order.read"><OrderRoute /></Permitted>} />
        <Route path="referrals" element={<Permitted permission="provider.read"><ReferralsScreen /></Permitted>} />
        <Route path="referrals/new" element={<Permitted permission="review.decide"><ComposeReferralScreen /></Permitted>} />
        <Route path="referrals/:referralId" element={<Permitted permission="provider.read"><ReferralRoute /></Permitted>} />
        <Route path="custody" element={<Permitted permission="custody.verify"><CustodyScreen /></Permitted>} />
        <Route path="agencies" element={<Permitted permission="agency.read"><AgenciesScreen /></Permitted>} />
        <Route path="users" element={<Permitted permission="user.read"><UsersScreen /></Permitted>} />
        <Route path="tokens" element={<Permitted permission="token.manage"><TokensScreen /></Permitted>} />
        <Route path="audit" element={<Permitted permission="audit.read"><AuditScreen /></Permitted>} />
        <Route path="jobs" element={<Permitted permission="job.read"><JobsScreen /></Permitted>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

function safeNext(next: string | null): string {
  // Only same-app paths: never let a crafted ?next= send the user to another origin.
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}

function LoginRoute(): ReactNode {
  const { state } = useSessionApi();
  const location = useLocation();
  if (state.status === 'signed-in') {
    return <Navigate to={safeNext(new URLSearchParams(location.search).get('next'))} replace />;
  }
  if (state.status === 'loading') return <FullPageMessage>Loading…</FullPageMessage>;
  if (state.status === 'unreachable') return <Unreachable error={state.error} />;
  return <LoginScreen notice={state.notice} />;
}

function RequireSession({ children }: { children: ReactNode }): ReactNode {
  const { state } = useSessionApi();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageMessage>Loading…</FullPageMessage>;
  if (state.status === 'unreachable') return <Unreachable error={state.error} />;
  if (state.status === 'anonymous') {
    const here = location.pathname + location.search;
    const to = here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
    return <Navigate to={to} replace />;
  }
  return children;
}

function Permitted({ permission, children }: { permission: string; children: ReactNode }): ReactNode {
  const session = useSession();
  if (can(session, permission)) return children;
  return <Forbidden permission={permission} />;
}

function Forbidden({ permission }: { permission: string }): ReactNode {
  useTitle('Not allowed');
  return (
    <section aria-labelledby="forbidden-title">
      <h1 id="forbidden-title">Not allowed</h1>
      <p>
        Your roles do not include the permission <code>{permission}</code> that this page needs. Ask an administrator of
        your agency if you should have it.
      </p>
    </section>
  );
}

function NotFound(): ReactNode {
  useTitle('Not found');
  return (
    <section aria-labelledby="notfound-title">
      <h1 id="notfound-title">Page not found</h1>
      <p>
        There is no page at this address. Go back to the <NavLink to="/">overview</NavLink>.
      </p>
    </section>
  );
}

function FullPageMessage({ children }: { children: ReactNode }): ReactNode {
  return (
    <div className="fullpage">
      <p>{children}</p>
    </div>
  );
}

function Unreachable({ error }: { error: unknown }): ReactNode {
  const { retry } = useSessionApi();
  return (
    <div className="fullpage">
      <h1>Vigil is not answering</h1>
      <ErrorBanner error={error} />
      <button type="button" className="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

function Layout(): ReactNode {
  const session = useSession();
  const { logout } = useSessionApi();
  const navigate = useNavigate();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  const [loggingOut, setLoggingOut] = useState(false);

  // Move focus to the new page on navigation so keyboard and screen-reader users start at its top.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [location.pathname]);

  const onLogout = async (): Promise<void> => {
    setLoggingOut(true);
    try {
      await logout();
    } finally {
      navigate('/login', { replace: true });
    }
  };

  const visible = screensFor(session);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" end>
          Vigil
        </NavLink>
        <nav aria-label="Main" className="mainnav">
          <ul>
            <li>
              <NavLink to="/" end>
                Overview
              </NavLink>
            </li>
            {visible.map((s) => (
              <li key={s.path}>
                <NavLink to={s.path}>{s.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="whoami">
          <span className="whoami-name" title={session.user.email}>
            {session.user.displayName}
          </span>
          <span className="whoami-agency">{session.agency.name}</span>
          <button type="button" className="button button-ghost" onClick={() => void onLogout()} disabled={loggingOut}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1} className="content">
        <Outlet />
      </main>
    </div>
  );
}
