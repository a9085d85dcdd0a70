// Home page: a welcome and a system-status card fed by GET /readyz.
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useSession } from '../auth/useSession';

interface Readiness {
  status: 'ok' | 'error';
  checks: Record<string, { ok: boolean; [detail: string]: unknown }>;
}

type State = { kind: 'loading' } | { kind: 'loaded'; data: Readiness } | { kind: 'failed'; message: string };

export function HomePage() {
  const { user } = useSession();
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<Readiness>('/readyz', { acceptStatus: [503], signal: controller.signal })
      .then((data) => {
        if (data && typeof data.checks === 'object') setState({ kind: 'loaded', data });
        else setState({ kind: 'failed', message: 'The status endpoint returned an unexpected answer.' });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setState({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
      });
    return () => controller.abort();
  }, []);

  return (
    <section className="page">
      <h1>Welcome, {user?.full_name || user?.username}</h1>
      <p className="lead">Plan, report and steer performance from one place. Pick an area on the left.</p>
      <div className="card" aria-labelledby="status-title">
        <h2 id="status-title">System status</h2>
        {state.kind === 'loading' && <p className="muted">Checking…</p>}
        {state.kind === 'failed' && <p role="alert" className="form-error">{state.message}</p>}
        {state.kind === 'loaded' && (
          <>
            <p>
              Overall: <StatusBadge ok={state.data.status === 'ok'} />
            </p>
            <ul className="checks">
              {Object.entries(state.data.checks).map(([name, check]) => (
                <li key={name}>
                  <span className="check-name">{name}</span> <StatusBadge ok={check.ok === true} />
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function StatusBadge({ ok }: { ok: boolean }) {
  return <span className={ok ? 'badge badge-ok' : 'badge badge-error'}>{ok ? 'OK' : 'Failing'}</span>;
}
