// Users (Administration): every user with the roles held everywhere, active or not, locked out or not; create a
// user, change roles, deactivate or reactivate, set a new password, unlock after failed sign-ins.
import { useId, useState } from 'react';
import { api } from '../../api/client';
import { typedGet, typedPost, type Schemas } from '../../api/typed';
import { ErrorText, formatWhen, messageOf, useLoad } from '../data/common';
import { ROLES, type RoleName } from './adminApi';

export type UserRow = Schemas['UserAdmin'];
type UserChange = Schemas['PatchedUserChangeRequest'];

export const usersApi = {
  list: (signal?: AbortSignal): Promise<UserRow[]> => typedGet('/api/v1/users/', {}, { signal }),
  create: (body: Schemas['UserAdminRequest']): Promise<UserRow> => typedPost('/api/v1/users/', {}, body),
  change: (username: string, body: UserChange) =>
    api.patch<UserRow>(`/api/v1/users/${encodeURIComponent(username)}`, body),
};

/** Adds or removes one role from a role list, keeping the canonical order. */
export function toggleRole(roles: readonly string[], role: RoleName, on: boolean): RoleName[] {
  const next = new Set(roles);
  if (on) next.add(role);
  else next.delete(role);
  return ROLES.filter((r) => next.has(r));
}

function RoleBoxes({ roles, onChange, label }: { roles: readonly string[]; onChange: (roles: RoleName[]) => void; label: string }) {
  return (
    <fieldset className="role-boxes">
      <legend className="visually-hidden">{label}</legend>
      {ROLES.map((role) => (
        <label key={role} className="check-inline">
          <input
            type="checkbox"
            checked={roles.includes(role)}
            aria-label={`${label}: ${role}`}
            onChange={(event) => onChange(toggleRole(roles, role, event.target.checked))}
          />{' '}
          {role}
        </label>
      ))}
    </fieldset>
  );
}

export function UsersPanel() {
  const id = useId();
  const users = useLoad((signal) => usersApi.list(signal), []);
  const [draft, setDraft] = useState({ username: '', first_name: '', last_name: '', email: '', password: '' });
  const [roles, setRoles] = useState<RoleName[]>(['viewer']);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  async function run(action: () => Promise<unknown>, done: string) {
    setBusy(true);
    setOutcome(null);
    try {
      await action();
      setOutcome({ ok: true, text: done });
      users.reload();
    } catch (error) {
      setOutcome({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  const create = () =>
    run(async () => {
      await usersApi.create({ ...draft, roles });
      setDraft({ username: '', first_name: '', last_name: '', email: '', password: '' });
    }, `User ${draft.username} created.`);

  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const savePassword = (username: string) =>
    run(async () => {
      await usersApi.change(username, { password: newPassword });
      setPasswordFor(null);
      setNewPassword('');
    }, `New password set for ${username}.`);

  const field = (name: keyof typeof draft, label: string, type = 'text') => (
    <div className="field-inline">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type={type}
        autoComplete={type === 'password' ? 'new-password' : 'off'}
        value={draft[name]}
        onChange={(event) => setDraft({ ...draft, [name]: event.target.value })}
      />
    </div>
  );

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Users</h2>
      <p className="muted small">
        Roles here hold in every model; roles in one model are given below. Leave the password empty for single sign-on
        users. Users are deactivated, never deleted, so the audit trail keeps their name.
      </p>
      <div className="row-inline">
        {field('username', 'New username')}
        {field('first_name', 'First name')}
        {field('last_name', 'Last name')}
        {field('email', 'E-mail', 'email')}
        {field('password', 'Initial password', 'password')}
      </div>
      <RoleBoxes roles={roles} onChange={setRoles} label="Roles of the new user" />
      <div className="actions">
        <button type="button" className="button" disabled={busy || !draft.username.trim()} onClick={() => void create()}>
          Create user
        </button>
      </div>
      {outcome &&
        (outcome.ok ? (
          <p role="status" className="ok-text">
            {outcome.text}
          </p>
        ) : (
          <ErrorText message={outcome.text} />
        ))}
      {users.status === 'failed' && <ErrorText message={users.error} />}
      {users.data && (
        <div className="table-scroll">
          <table className="table" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">E-mail</th>
                <th scope="col">Roles everywhere</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <tr key={user.username} className={user.is_active ? undefined : 'muted'}>
                  <td>
                    <strong>{user.username}</strong> {[user.first_name, user.last_name].filter(Boolean).join(' ')}
                  </td>
                  <td>{user.email}</td>
                  <td>
                    <RoleBoxes
                      roles={user.roles ?? []}
                      label={`Roles of ${user.username}`}
                      onChange={(next) =>
                        void run(() => usersApi.change(user.username, { roles: next }), `Roles of ${user.username} saved.`)
                      }
                    />
                  </td>
                  <td>{formatWhen(user.last_login)}</td>
                  <td>
                    {user.is_active ? 'active' : 'deactivated'}
                    {user.locked_out && <span className="badge badge-error"> locked out</span>}
                    {!user.password_set && <span className="muted small"> (sign-on only)</span>}
                  </td>
                  <td className="actions">
                    {user.locked_out && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy}
                        onClick={() => void run(() => usersApi.change(user.username, { unlock: true }), `${user.username} unlocked.`)}
                      >
                        Unlock
                      </button>
                    )}
                    {passwordFor === user.username ? (
                      <>
                        <input
                          type="password"
                          autoComplete="new-password"
                          aria-label={`New password for ${user.username}`}
                          value={newPassword}
                          onChange={(event) => setNewPassword(event.target.value)}
                        />
                        <button
                          type="button"
                          className="button button-small"
                          disabled={busy || !newPassword}
                          onClick={() => void savePassword(user.username)}
                        >
                          Save password
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy}
                        aria-label={`Set a password for ${user.username}`}
                        onClick={() => setPasswordFor(user.username)}
                      >
                        Set password
                      </button>
                    )}
                    <button
                      type="button"
                      className={user.is_active ? 'button button-small button-danger' : 'button button-small'}
                      disabled={busy}
                      aria-label={`${user.is_active ? 'Deactivate' : 'Reactivate'} ${user.username}`}
                      onClick={() =>
                        void run(
                          () => usersApi.change(user.username, { is_active: !user.is_active }),
                          `${user.username} ${user.is_active ? 'deactivated' : 'reactivated'}.`,
                        )
                      }
                    >
                      {user.is_active ? 'Deactivate' : 'Reactivate'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
