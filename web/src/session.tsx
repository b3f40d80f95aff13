/**
 * Who is logged in. The session cookie is httpOnly, so the app learns its state from GET /auth/me at
 * start, from the login answer, and from any request that answers VIGIL_AUTH_REQUIRED.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, onSessionLost, setCsrfToken } from './api/client';
import type { SessionView } from './api/types';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; notice: string | null }
  | { status: 'unreachable'; error: unknown }
  | { status: 'signed-in'; session: SessionView };

interface SessionApi {
  state: SessionState;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  retry: () => void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }): ReactNode {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    api.me().then(
      (session) => {
        if (!live) return;
        setCsrfToken(session.csrfToken);
        setState({ status: 'signed-in', session });
      },
      (err: unknown) => {
        if (!live) return;
        setCsrfToken(null);
        if (err instanceof ApiError && err.status === 401) setState({ status: 'anonymous', notice: null });
        else setState({ status: 'unreachable', error: err });
      },
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(
    () =>
      onSessionLost(() => {
        setCsrfToken(null);
        setState({ status: 'anonymous', notice: 'Your session has ended. Log in again to continue.' });
      }),
    [],
  );

  const login = useCallback(async (email: string, password: string) => {
    const session = await api.login(email, password);
    setCsrfToken(session.csrfToken);
    setState({ status: 'signed-in', session });
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      // Forget the session locally even if the server could not be told: the cookie expires anyway.
      setCsrfToken(null);
      setState({ status: 'anonymous', notice: null });
    }
  }, []);

  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((a) => a + 1);
  }, []);

  const value = useMemo(() => ({ state, login, logout, retry }), [state, login, logout, retry]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionApi(): SessionApi {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSessionApi outside SessionProvider');
  return ctx;
}

/** The signed-in session; only for components rendered behind the session guard. */
export function useSession(): SessionView {
  const { state } = useSessionApi();
  if (state.status !== 'signed-in') throw new Error('useSession without a signed-in session');
  return state.session;
}

export function can(session: SessionView, permission: string): boolean {
  return session.permissions.includes(permission);
}
