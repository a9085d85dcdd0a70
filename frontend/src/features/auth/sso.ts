// Single sign-on for the login page: whether the server offers it (GET /api/v1/auth/options, see
// opencorpo/accounts/oidc.py) and the link that starts it.
import { useEffect, useState } from 'react';
import { api } from '../../api/client';

export interface SsoOption {
  /** Where the browser goes to sign in with the provider. */
  startUrl: string;
  /** The provider's name for the button ("Sign in with …"); "SSO" when the server names none. */
  label: string;
}

interface AuthOptions {
  sso?: { enabled?: unknown; start_url?: unknown; label?: unknown };
}

/** The SSO option in the server's answer, or null when single sign-on is not configured. */
export function ssoOption(answer: unknown): SsoOption | null {
  const sso = (answer as AuthOptions | null)?.sso;
  if (!sso || sso.enabled !== true || typeof sso.start_url !== 'string' || !sso.start_url) return null;
  const label = typeof sso.label === 'string' && sso.label.trim() ? sso.label.trim() : 'SSO';
  return { startUrl: sso.start_url, label };
}

/** The start URL with the page to return to after signing in (`next`), when it is a page of the app. */
export function ssoHref(option: SsoOption, next: string): string {
  if (next !== '/app' && !next.startsWith('/app/')) return option.startUrl;
  const separator = option.startUrl.includes('?') ? '&' : '?';
  return `${option.startUrl}${separator}next=${encodeURIComponent(next)}`;
}

/** The server's SSO option, once asked; null while asking, when not configured, or when the server cannot say. */
export function useSsoOption(): SsoOption | null {
  const [option, setOption] = useState<SsoOption | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    api
      .get<unknown>('/api/v1/auth/options', { signal: controller.signal })
      .then((answer) => {
        if (!controller.signal.aborted) setOption(ssoOption(answer));
      })
      .catch(() => {
        // Without an answer the page offers the password form only, which always works.
      });
    return () => controller.abort();
  }, []);
  return option;
}
