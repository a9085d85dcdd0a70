// Component test of the Versions page: copy, branch, merge and locks are offered only to the roles that may use
// them; everyone who reads may compare; with no role held everywhere the page offers everything.
import { afterEach, describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import { AuthProvider } from '../auth/AuthContext';
import VersionsArea from './VersionsArea';

const VERSIONS = [
  { code: 'budget', name: 'Budget', version_kind: 'budget', locked: false },
  { code: 'actual', name: 'Actual', version_kind: 'actual', locked: true },
];

function renderFor(roles: string[], modelRoles?: string[]) {
  stubFetch({
    'GET /api/v1/auth/me': { body: { user: { username: 'ann', full_name: 'Ann Lee', roles } } },
    ...(modelRoles ? { 'GET /api/v1/models/acme': { body: { code: 'acme', name: 'Acme', roles: modelRoles } } } : {}),
    'GET /api/v1/models/': { body: [{ code: 'acme', name: 'Acme' }] },
    'GET /api/v1/models/acme/versions/': { body: VERSIONS },
    'GET /api/v1/models/acme/dimensions/': { body: [] },
    'GET /api/v1/models/acme/cubes/': { body: [] },
  });
  render(
    <MemoryRouter>
      <AuthProvider>
        <VersionsArea />
      </AuthProvider>
    </MemoryRouter>,
  );
}

const BUILD_NOTE = 'Copying, branching and merging versions is for modellers and administrators.';
const LOCK_NOTE = 'Locking and unlocking versions is for approvers, modellers and administrators.';

afterEach(() => {
  resetCsrfToken();
  sessionStorage.clear();
});

describe('VersionsArea', () => {
  it('shows a planner the note instead of copy, branch, merge and locks, and keeps compare', async () => {
    renderFor(['planner']);
    expect(await screen.findByText(BUILD_NOTE)).toBeTruthy();
    expect(await screen.findByRole('cell', { name: 'Budget' })).toBeTruthy();
    expect(screen.getByText(LOCK_NOTE)).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Compare two versions' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Copy a version' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Branch a what-if' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Merge a branch back' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Lock version Budget' })).toBeNull();
  });

  it('offers copy, branch and merge to a viewer who is modeller in this model (the model API says so)', async () => {
    renderFor(['viewer'], ['modeller', 'viewer']);
    expect(await screen.findByRole('heading', { name: 'Copy a version' })).toBeTruthy();
    await waitFor(() => expect(screen.queryByText(BUILD_NOTE)).toBeNull());
  });

  it('lets an approver lock and unlock but not copy, branch or merge', async () => {
    renderFor(['approver']);
    expect(await screen.findByRole('button', { name: 'Lock version Budget' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Unlock version Actual' })).toBeTruthy();
    expect(screen.getByText(BUILD_NOTE)).toBeTruthy();
    expect(screen.queryByText(LOCK_NOTE)).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Copy a version' })).toBeNull();
  });

  it.each([[['modeller']], [['administrator']], [[]]])('offers everything to roles %j', async (roles) => {
    renderFor(roles);
    expect(await screen.findByRole('button', { name: 'Lock version Budget' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Copy a version' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Branch a what-if' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Merge a branch back' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Compare two versions' })).toBeTruthy();
    expect(screen.queryByText(BUILD_NOTE)).toBeNull();
    expect(screen.queryByText(LOCK_NOTE)).toBeNull();
  });
});
