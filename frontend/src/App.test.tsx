// Routing tests for the app shell: sign-in redirect, area pages, home status card and unknown paths.
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { AppRoutes } from './App';
import { resetCsrfToken } from './api/client';
import { stubFetch } from './test/fetchStub';

const me = { body: { user: { username: 'ann', full_name: 'Ann Lee', roles: ['planner'] } } };

function renderAt(path: string) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <AppRoutes />
    </MemoryRouter>,
  );
}

afterEach(() => resetCsrfToken());

describe('App routes', () => {
  it('redirects to the sign-in page when /auth/me answers 403', async () => {
    stubFetch({ 'GET /api/v1/auth/me': { status: 403, body: { error: { code: 'not_authenticated', message: 'No.' } } } });
    renderAt('/app/reports');
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('renders an area page with its heading and the signed-in user in the header', async () => {
    stubFetch({ 'GET /api/v1/auth/me': me });
    renderAt('/app/reports');
    expect(await screen.findByRole('heading', { level: 1, name: 'Reports' })).toBeTruthy();
    expect(screen.getByText('Income statement, balance sheet, budget vs actual and dashboards.')).toBeTruthy();
    expect(screen.getByText('Ann Lee')).toBeTruthy();
    expect(screen.getByText('ann')).toBeTruthy();
  });

  it('shows the welcome heading and each readiness check on Home', async () => {
    stubFetch({
      'GET /api/v1/auth/me': me,
      'GET /readyz': {
        status: 503,
        body: { status: 'error', checks: { database: { ok: true }, cache: { ok: true }, broker: { ok: false, error: 'down' } } },
      },
    });
    renderAt('/app');
    expect(await screen.findByRole('heading', { level: 1, name: 'Welcome, Ann Lee' })).toBeTruthy();
    const broker = await screen.findByText('broker');
    expect(broker.parentElement?.textContent).toContain('Failing');
    expect(screen.getByText('database').parentElement?.textContent).toContain('OK');
  });

  it('lists the cubes of each model in the Planning area, each linking to its grid', async () => {
    stubFetch({
      'GET /api/v1/auth/me': me,
      'GET /api/v1/models/': { body: [{ code: 'acme', name: 'Acme' }] },
      'GET /api/v1/models/acme/cubes/': { body: [{ code: 'pl', name: 'Profit and loss', dimensions: ['account', 'time'] }] },
    });
    renderAt('/app/planning');
    const link = await screen.findByRole('link', { name: 'Profit and loss' });
    expect(link.getAttribute('href')).toBe('/app/models/acme/cubes/pl');
    expect(screen.getByRole('heading', { level: 3, name: 'Acme' })).toBeTruthy();
  });

  it('shows "Page not found" for unknown paths under /app', async () => {
    stubFetch({ 'GET /api/v1/auth/me': me });
    renderAt('/app/no-such-page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });

  it('signs out and returns to the sign-in page', async () => {
    stubFetch({
      'GET /api/v1/auth/me': me,
      'GET /api/v1/auth/csrf': { body: { csrf_token: 'tok' } },
      'POST /api/v1/auth/logout': { body: {} },
      'GET /api/v1/models/': { body: [] },
    });
    renderAt('/app/models');
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Username')).toBeTruthy();
  });
});
