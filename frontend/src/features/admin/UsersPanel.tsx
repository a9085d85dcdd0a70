// Users (Administration): every user with the roles held everywhere, active or not, locked out or not; create a
// user, change roles, deactivate or reactivate, set a new password, unlock after failed sign-ins.
import { useId, useState, type FormEvent } from 'react';
import { formatWhen, useLoad } from '../data/common';
import { ListStatus, OutcomeText } from '../shell/feedback';
import { useAction } from '../shell/useAction';
import { ROLES, usersApi, type RoleName } from './adminApi';

/** Adds or removes one role from a role list, keeping the canonical order. */
export function toggleRole(roles: readonly string[], role: RoleName, on: boolean): RoleName[] {
  const next = new Set(roles);
  if (on) next.add(role);
  else next.delete(role);
  return ROLES.filter((r) => next.has(r));
}

function RoleBoxes({
  roles,
  onChange,
  label,
  disabled = false,
}: {
  roles: readonly string[];
  onChange: (roles: RoleName[]) => void;
  label: string;
  disabled?: boolean;
}) {
  // Disabled while a change is saved: a second click would start from the roles before the first one.
  return (
    <fieldset className="role-boxes row-inline" disabled={disabled}>
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
  const action = useAction();
  const busy = action.busy !== null;
  // Runs one change at a time (shell/useAction), then reloads the list and says what was done.
  const run = (change: () => Promise<unknown>, done: string) =>
    action.run(true, async () => {
      await change();
      users.reload();
      return done;
    });

  const username = draft.username.trim();
  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault(); // Enter in any field creates the user, as the button does
    if (busy || !username) return;
    void run(async () => {
      await usersApi.create({ ...draft, username, roles });
      setDraft({ username: '', first_name: '', last_name: '', email: '', password: '' });
      setRoles(['viewer']);
    }, `User ${username} created.`);
  };

  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const savePassword = (event: FormEvent<HTMLFormElement>, username: string) => {
    event.preventDefault();
    if (busy || !newPassword) return;
    void run(async () => {
      await usersApi.change(username, { password: newPassword });
      setPasswordFor(null);
      setNewPassword('');
    }, `New password set for ${username}.`);
  };
  const cancelPassword = () => {
    setPasswordFor(null);
    setNewPassword('');
  };

  // The e-mail is a text field (typed as e-mail for on-screen keyboards) styled like the others; the API checks it.
  const field = (name: keyof typeof draft, label: string, type: 'text' | 'email' | 'password' = 'text') => (
    <div className="field-inline">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type={type === 'password' ? 'password' : 'text'}
        inputMode={type === 'email' ? 'email' : undefined}
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
      <form aria-label="New user" onSubmit={create}>
        <div className="row-inline">
          {field('username', 'New username')}
          {field('first_name', 'First name')}
          {field('last_name', 'Last name')}
          {field('email', 'E-mail', 'email')}
          {field('password', 'Initial password', 'password')}
        </div>
        <RoleBoxes roles={roles} onChange={setRoles} label="Roles of the new user" />
        <div className="actions">
          <button type="submit" className="button" disabled={busy || !username}>
            Create user
          </button>
        </div>
      </form>
      <OutcomeText outcome={action.outcome} />
      <ListStatus load={users} shown={users.data?.length ?? 0} loading="Loading users…" />
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
                <tr key={user.username} data-user={user.username} className={user.is_active ? undefined : 'muted'}>
                  <td>
                    <strong>{user.username}</strong> {[user.first_name, user.last_name].filter(Boolean).join(' ')}
                  </td>
                  <td>{user.email}</td>
                  <td>
                    <RoleBoxes
                      roles={user.roles ?? []}
                      label={`Roles of ${user.username}`}
                      disabled={busy}
                      onChange={(next) =>
                        void run(() => usersApi.change(user.username, { roles: next }), `Roles of ${user.username} saved.`)
                      }
                    />
                  </td>
                  <td>{formatWhen(user.last_login)}</td>
                  <td>
                    {user.is_active ? 'active' : 'deactivated'}
                    {user.locked_out && (
                      <>
                        {' '}
                        <span className="badge badge-error">locked out</span>
                      </>
                    )}
                    {!user.password_set && <span className="muted small"> (sign-on only)</span>}
                  </td>
                  <td className="actions-cell">
                    {user.locked_out && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy}
                        aria-label={`Unlock ${user.username}`}
                        onClick={() => void run(() => usersApi.change(user.username, { unlock: true }), `${user.username} unlocked.`)}
                      >
                        Unlock
                      </button>
                    )}
                    {passwordFor === user.username ? (
                      <form className="row-inline" onSubmit={(event) => savePassword(event, user.username)}>
                        <input
                          type="password"
                          autoComplete="new-password"
                          aria-label={`New password for ${user.username}`}
                          value={newPassword}
                          onChange={(event) => setNewPassword(event.target.value)}
                          onKeyDown={(event) => event.key === 'Escape' && cancelPassword()}
                          autoFocus
                        />
                        <button
                          type="submit"
                          className="button button-small"
                          disabled={busy || !newPassword}
                          aria-label={`Save password for ${user.username}`}
                        >
                          Save password
                        </button>
                        <button type="button" className="button button-small" disabled={busy} onClick={cancelPassword}>
                          Cancel
                        </button>
                      </form>
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
