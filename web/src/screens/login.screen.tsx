/** Log in with e-mail and password. Failures show the server's own message (bad credentials, locked, rate limited). */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useSessionApi } from '../session';
import { ErrorBanner, useTitle } from '../ui';

export function LoginScreen({ notice }: { notice: string | null }): ReactNode {
  useTitle('Log in');
  const { login } = useSessionApi();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      await login(email.trim(), password);
    } catch (err) {
      setError(err);
      setPassword('');
      setPending(false);
    }
  };

  return (
    <div className="login-page">
      <header className="topbar topbar-plain">
        <span className="brand">Vigil</span>
      </header>
      <main className="login-main" id="main">
        <form className="panel login-panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="login-title">
          <h1 id="login-title">Log in</h1>
          {notice && !error ? (
            <div className="alert alert-info" role="status">
              {notice}
            </div>
          ) : null}
          <ErrorBanner error={error} title="Could not log in." />
          <div className="field">
            <label htmlFor="login-email">E-mail</label>
            <input
              id="login-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Logging in…' : 'Log in'}
          </button>
        </form>
      </main>
    </div>
  );
}
