// Session state for the signed-in user: loads /auth/me, and offers sign-in and sign-out.
import { createContext, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, refreshCsrfToken, resetCsrfToken } from '../../api/client';

export interface User {
  username: string;
  full_name: string;
  roles: string[];
}

export type SessionStatus = 'loading' | 'authenticated' | 'anonymous' | 'error';

export interface Session {
  status: SessionStatus;
  user: User | null;
  /** Why the session could not be loaded (status 'error'). */
  error: string | null;
  reload: () => Promise<void>;
  signIn: (username: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<Session | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    setStatus('loading');
    try {
      const body = await api.get<{ user: User }>('/api/v1/auth/me');
      setUser(body.user);
      setError(null);
      setStatus('authenticated');
    } catch (err) {
      setUser(null);
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setError(null);
        setStatus('anonymous');
      } else {
        setError(err instanceof Error ? err.message : String(err));
        setStatus('error');
      }
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const signIn = useCallback(async (username: string, password: string) => {
    const body = await api.post<{ user: User }>('/api/v1/auth/login', { username, password });
    await refreshCsrfToken(); // Django rotates the CSRF token at login.
    setUser(body.user);
    setError(null);
    setStatus('authenticated');
    return body.user;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/v1/auth/logout');
    } finally {
      resetCsrfToken();
      setUser(null);
      setStatus('anonymous');
    }
  }, []);

  const value = useMemo<Session>(
    () => ({ status, user, error, reload, signIn, signOut }),
    [status, user, error, reload, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
