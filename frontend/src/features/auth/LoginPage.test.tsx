// Unit tests for the sign-in page: server error display, redirect on success, and the SSO link when offered.
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { AuthProvider } from './AuthContext';
import { LoginPage } from './LoginPage';
import { resetCsrfToken } from '../../api/client';
import { stubFetch, type Routes as FetchRoutes } from '../../test/fetchStub';

const anonymous: FetchRoutes = {
  'GET /api/v1/auth/me': { status: 403, body: { error: { code: 'not_authenticated', message: 'You are not signed in.' } } },
  'GET /api/v1/auth/csrf': { body: { csrf_token: 'tok' } },
  'GET /api/v1/auth/options': { body: { sso: { enabled: false, start_url: null } } },
};

function renderLogin(from?: string) {
  render(
    <MemoryRouter initialEntries={[from ? { pathname: '/login', state: { from } } : '/login']}>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/app" element={<h1>App home</h1>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

function submit(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Username'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

afterEach(() => resetCsrfToken());

describe('LoginPage', () => {
  it('shows the server error message on bad credentials', async () => {
    const message = 'Wrong username or password. Check them and try again.';
    stubFetch({
      ...anonymous,
      'POST /api/v1/auth/login': { status: 400, body: { error: { code: 'invalid_credentials', message } } },
    });
    renderLogin();
    expect(screen.getByText('OpenCorpo')).toBeTruthy();
    submit('ann', 'wrong');
    expect((await screen.findByText(message)).getAttribute('role')).toBe('alert');
  });

  it('navigates to /app after a successful sign-in and refreshes the CSRF token', async () => {
    const fetchMock = stubFetch({
      ...anonymous,
      'POST /api/v1/auth/login': { body: { user: { username: 'ann', full_name: 'Ann Lee', roles: [] } } },
    });
    renderLogin();
    submit('ann', 'secret');
    expect(await screen.findByRole('heading', { name: 'App home' })).toBeTruthy();
    const calls = fetchMock.mock.calls.map(([url, init]) => `${init?.method ?? 'GET'} ${String(url)}`);
    expect(calls.slice(-1)).toEqual(['GET /api/v1/auth/csrf']);
  });

  it('offers no single sign-on when the server has none configured', async () => {
    const fetchMock = stubFetch(anonymous);
    renderLogin();
    await waitFor(() => expect(fetchMock.mock.calls.map(([url]) => String(url))).toContain('/api/v1/auth/options'));
    await screen.findByRole('button', { name: 'Sign in' });
    expect(screen.queryByRole('link', { name: /^Sign in with/ })).toBeNull();
    expect(screen.queryByText('or')).toBeNull();
  });

  it('links to the provider when SSO is configured, keeping the page to return to', async () => {
    stubFetch({
      ...anonymous,
      'GET /api/v1/auth/options': { body: { sso: { enabled: true, start_url: '/api/v1/auth/oidc/start' } } },
    });
    renderLogin('/app/reports');
    const link = await screen.findByRole('link', { name: 'Sign in with SSO' });
    expect(link.getAttribute('href')).toBe('/api/v1/auth/oidc/start?next=%2Fapp%2Freports');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy(); // the password form stays
  });
});
