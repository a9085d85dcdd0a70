// Sign-in page at /login: username and password form that shows the server's error message, and a link to sign
// in with the identity provider when the server offers single sign-on.
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ssoHref, useSsoOption } from './sso';
import { useSession } from './useSession';

function targetAfterLogin(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/app') ? from : '/app';
}

export function LoginPage() {
  const { status, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const sso = useSsoOption();

  if (status === 'authenticated' && !submitting) return <Navigate to={targetAfterLogin(location.state)} replace />;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setSubmitting(true);
    try {
      await signIn(username, password);
      navigate(targetAfterLogin(location.state), { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setSubmitting(false);
    }
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={onSubmit} noValidate>
        <p className="brand brand-large">OpenCorpo</p>
        <h1 className="login-title">Sign in to your workspace</h1>
        <div className="field">
          <label htmlFor="login-username">Username</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        <div role="alert" className="form-error">
          {error}
        </div>
        <button type="submit" className="button button-primary" disabled={submitting}>
          Sign in
        </button>
        {sso && (
          <>
            <p className="login-or" aria-hidden="true">
              or
            </p>
            <a className="button button-sso" href={ssoHref(sso, targetAfterLogin(location.state))}>
              Sign in with {sso.label}
            </a>
          </>
        )}
      </form>
    </main>
  );
}
