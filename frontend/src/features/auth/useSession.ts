// Hook giving components the current session (user, status, sign-in and sign-out).
import { useContext } from 'react';
import { AuthContext, type Session } from './AuthContext';

export function useSession(): Session {
  const session = useContext(AuthContext);
  if (!session) throw new Error('useSession must be used inside <AuthProvider>.');
  return session;
}
