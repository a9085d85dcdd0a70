// Signed-in layout for /app/*: header, sidebar navigation and the routed page; sends visitors to /login.
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useSession } from '../auth/useSession';
import { Nav } from './Nav';

export function AppShell() {
  const { status, user, error, reload, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();

  if (status === 'loading') return <p className="centered muted">Loading…</p>;
  if (status === 'error') {
    return (
      <div className="centered">
        <p role="alert" className="form-error">{error}</p>
        <button type="button" className="button" onClick={() => void reload()}>
          Try again
        </button>
      </div>
    );
  }
  if (status === 'anonymous' || !user) return <Navigate to="/login" replace state={{ from: location.pathname }} />;

  async function onSignOut() {
    await signOut().catch(() => undefined); // the local session is cleared either way
    navigate('/login', { replace: true });
  }

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">OpenCorpo</span>
        <div className="user">
          <span className="user-name">{user.full_name}</span>
          <span className="user-login">{user.username}</span>
          <button type="button" className="button" onClick={() => void onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <Nav />
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
