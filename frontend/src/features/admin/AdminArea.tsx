// Administration (/app/admin): roles given in a model, member-level grants as a tree of a dimension with
// none/read/write per member for one user or group, and the user's API tokens (the key shown once).
import { useCallback, useId, useMemo, useState } from 'react';
import { ModelPicker, formatWhen, useDimensions, useLoad, useModelChoice } from '../data/common';
import { dataApi } from '../data/dataApi';
import '../data/panels.css';
import { treeRows } from '../data/tree';
import { ErrorText, ListStatus, OutcomeText } from '../shell/feedback';
import { useAction } from '../shell/useAction';
import { useSession } from '../auth/useSession';
import { mayAdminister } from '../shell/roles';
import { UsersPanel } from './UsersPanel';
import { ROLES, adminApi, type NewToken, type RoleName } from './adminApi';
import {
  ACCESS_LEVELS,
  describeEffective,
  effectiveAccess,
  grantChange,
  grantsByMember,
  principalOf,
  type Access,
  type Principal,
  type PrincipalKind,
} from './grants';

function PrincipalFields({
  kind,
  name,
  onKind,
  onName,
  prefix,
}: {
  kind: PrincipalKind;
  name: string;
  onKind: (kind: PrincipalKind) => void;
  onName: (name: string) => void;
  prefix: string;
}) {
  const id = useId();
  return (
    <>
      <div className="field-inline">
        <label htmlFor={`${id}-kind`}>{prefix}</label>
        <select id={`${id}-kind`} value={kind} onChange={(event) => onKind(event.target.value as PrincipalKind)}>
          <option value="user">user</option>
          <option value="group">group</option>
        </select>
      </div>
      <div className="field-inline">
        <label htmlFor={`${id}-name`}>{kind === 'user' ? 'Username' : 'Group name'}</label>
        <input id={`${id}-name`} type="text" value={name} onChange={(event) => onName(event.target.value)} />
      </div>
    </>
  );
}

function RolesPanel({ model }: { model: string }) {
  const id = useId();
  const roles = useLoad((signal) => adminApi.roles(model, { signal }), [model]);
  const [kind, setKind] = useState<PrincipalKind>('user');
  const [name, setName] = useState('');
  const [role, setRole] = useState<RoleName>('planner');
  const action = useAction();
  const busy = action.busy !== null;

  const give = () =>
    action.run(true, async () => {
      const given = await adminApi.giveRole(model, { role, [kind]: name.trim() });
      setName('');
      roles.reload();
      return `Gave ${given.role} to ${given.user ?? given.group}.`;
    });

  const take = (roleId: number, who: string, what: string) =>
    action.run(true, async () => {
      await adminApi.takeRole(model, roleId);
      roles.reload();
      return `Took ${what} back from ${who}.`;
    });

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Roles in this model</h2>
      <ListStatus load={roles} shown={roles.data?.length ?? 0} empty="No role is given in this model: everyone’s own roles apply." />
      {roles.data && roles.data.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {roles.data.map((r) => {
                const who = r.user ? `user ${r.user}` : `group ${r.group}`;
                return (
                  <tr key={r.id}>
                    <td>{who}</td>
                    <td>{r.role}</td>
                    <td>
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy}
                        aria-label={`Take ${r.role} back from ${who}`}
                        onClick={() => void take(r.id, who, r.role)}
                      >
                        Take back
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="row-inline">
        <PrincipalFields kind={kind} name={name} onKind={setKind} onName={setName} prefix="Give to" />
        <div className="field-inline">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as RoleName)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button" disabled={busy || !name.trim()} onClick={() => void give()}>
          Give role
        </button>
      </div>
      <OutcomeText outcome={action.outcome} />
    </section>
  );
}

function GrantsPanel({ model }: { model: string }) {
  const id = useId();
  const dimensions = useDimensions(model);
  const [dimension, setDimension] = useState('');
  const [kind, setKind] = useState<PrincipalKind>('user');
  const [name, setName] = useState('');
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const action = useAction<string>(); // keyed by the member or grant changed
  const busy = action.busy;
  const dimensionList = useMemo(() => (dimensions.data ? [...dimensions.data.values()] : []), [dimensions.data]);
  const chosenDimension = dimension || dimensionList.find((d) => d.kind === 'entity')?.code || dimensionList[0]?.code || '';
  const grants = useLoad((signal) => adminApi.grants(model, { signal }), [model]);
  const members = useLoad(
    (signal) => (chosenDimension ? dataApi.members(model, chosenDimension, { signal }) : Promise.resolve([])),
    [model, chosenDimension],
  );
  const rows = useMemo(() => treeRows(members.data ?? []), [members.data]);
  const names = useMemo(() => new Map((members.data ?? []).map((m) => [m.code, m.name])), [members.data]);
  const mine = useMemo(
    () => (principal ? grantsByMember(grants.data ?? [], chosenDimension, principal) : new Map()),
    [grants.data, chosenDimension, principal],
  );
  const effective = useMemo(
    () => effectiveAccess(rows, new Map([...mine].map(([code, g]) => [code, g.access as Access]))),
    [rows, mine],
  );

  async function change(member: string, chosen: Access | 'inherit') {
    if (!principal) return;
    const step = grantChange(mine.get(member), chosen);
    if (step.kind === 'none') return;
    await action.run(member, async () => {
      if (step.kind === 'delete') await adminApi.deleteGrant(model, step.id);
      else
        await adminApi.setGrant(model, {
          dimension: chosenDimension,
          member,
          access: step.access,
          [principal.kind]: principal.name,
        });
      grants.reload();
      return step.kind === 'delete'
        ? `Removed the grant of ${principal.kind} ${principal.name} on ${member}.`
        : `${principal.kind} ${principal.name} now has ${step.access} on ${member} and below.`;
    });
  }

  const remove = (grantId: number) =>
    action.run(`grant-${grantId}`, async () => {
      await adminApi.deleteGrant(model, grantId);
      grants.reload();
    });

  const all = grants.data ?? [];
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Member access</h2>
      <p className="muted small">
        A grant gives none, read or write on a member and everything below it; the deepest grant decides. Grants only narrow
        what the role allows.
      </p>
      {dimensions.status === 'failed' && <ErrorText message={dimensions.error} />}
      {grants.status === 'failed' && <ErrorText message={grants.error} />}
      <div className="row-inline">
        <div className="field-inline">
          <label htmlFor={`${id}-dimension`}>Dimension</label>
          <select id={`${id}-dimension`} value={chosenDimension} onChange={(event) => setDimension(event.target.value)}>
            {dimensionList.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <PrincipalFields kind={kind} name={name} onKind={setKind} onName={setName} prefix="Access of" />
        <button
          type="button"
          className="button"
          disabled={!name.trim()}
          onClick={() => {
            setPrincipal({ kind, name: name.trim() });
            action.setOutcome(null);
          }}
        >
          Show access
        </button>
      </div>
      <OutcomeText outcome={action.outcome} />
      {members.status === 'failed' && <ErrorText message={members.error} />}
      {principal && rows.length > 0 && (
        <div className="table-scroll">
          <table className="table grants-tree" aria-label={`Access of ${principal.kind} ${principal.name} by member`}>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Grant here</th>
                <th scope="col">Effective access</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ member, depth }) => {
                const grant = mine.get(member.code);
                return (
                  <tr key={member.code} data-member={member.code}>
                    <th scope="row">
                      <span className="indent" style={{ width: `${depth * 1.1}rem` }} />
                      {member.name} <span className="muted small">({member.code})</span>
                    </th>
                    <td>
                      <select
                        aria-label={`Grant on ${member.name}`}
                        value={grant?.access ?? 'inherit'}
                        disabled={busy !== null}
                        onChange={(event) => void change(member.code, event.target.value as Access | 'inherit')}
                      >
                        <option value="inherit">no grant (inherit)</option>
                        {ACCESS_LEVELS.map((level) => (
                          <option key={level} value={level}>
                            {level}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className={`access-${effective.get(member.code)?.access ?? ''}`}>
                      {describeEffective(effective.get(member.code), member.code, (c) => names.get(c) ?? c)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {all.length > 0 && (
        <details>
          <summary>All grants in this model ({all.length})</summary>
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col">Dimension</th>
                  <th scope="col">Member</th>
                  <th scope="col">Access</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {all.map((g) => (
                  <tr key={g.id}>
                    <td>{principalOf(g)}</td>
                    <td>{g.dimension}</td>
                    <td>{g.member}</td>
                    <td>{g.access}</td>
                    <td>
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy !== null}
                        aria-label={`Remove the grant of ${principalOf(g)} on ${g.member}`}
                        onClick={() => void remove(g.id)}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  );
}

function TokensPanel({ models }: { models: { code: string; name: string }[] }) {
  const id = useId();
  const tokens = useLoad((signal) => adminApi.tokens({ signal }), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<RoleName>('viewer');
  const [limit, setLimit] = useState('');
  const [created, setCreated] = useState<NewToken | null>(null);
  const action = useAction();
  const busy = action.busy !== null;
  const { setOutcome } = action;

  const create = () => {
    setCreated(null);
    return action.run(true, async () => {
      const token = await adminApi.createToken({ name: name.trim(), role, model: limit || null });
      setCreated(token);
      setName('');
      tokens.reload();
    });
  };

  const revoke = (tokenId: number, tokenName: string) =>
    action.run(true, async () => {
      await adminApi.revokeToken(tokenId);
      tokens.reload();
      return `Revoked token ${tokenName}.`;
    });

  async function copyKey() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setOutcome({ ok: true, text: 'The key is on the clipboard.' });
    } catch {
      setOutcome({ ok: false, text: 'Could not use the clipboard: select the key and copy it.' });
    }
  }

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Your API tokens</h2>
      <p className="muted small">For scripts, Excel and Power BI (OData): send the key as “Authorization: Bearer &lt;key&gt;”.</p>
      <div className="row-inline">
        <div className="field-inline">
          <label htmlFor={`${id}-name`}>Token name</label>
          <input id={`${id}-name`} type="text" value={name} onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field-inline">
          <label htmlFor={`${id}-role`}>Token role</label>
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as RoleName)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field-inline">
          <label htmlFor={`${id}-model`}>Only for model</label>
          <select id={`${id}-model`} value={limit} onChange={(event) => setLimit(event.target.value)}>
            <option value="">any model</option>
            {models.map((m) => (
              <option key={m.code} value={m.code}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button" disabled={busy || !name.trim()} onClick={() => void create()}>
          Create token
        </button>
      </div>
      {created && (
        <div className="key-once" role="status">
          <strong>Copy the key of “{created.name}” now: it is shown only once.</strong>
          <code aria-label="New token key">{created.key}</code>
          <div className="actions">
            <button type="button" className="button button-small" onClick={() => void copyKey()}>
              Copy key
            </button>
            <button type="button" className="button button-small" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      <OutcomeText outcome={action.outcome} />
      <ListStatus load={tokens} shown={tokens.data?.length ?? 0} empty="You have no tokens." />
      {tokens.data && tokens.data.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key starts</th>
                <th scope="col">Role</th>
                <th scope="col">Model</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>oc_{t.prefix}_…</code>
                  </td>
                  <td>{t.role}</td>
                  <td>{t.model ?? 'any'}</td>
                  <td>{formatWhen(t.created_at)}</td>
                  <td>{formatWhen(t.last_used_at)}</td>
                  <td>{t.revoked_at ? `revoked ${formatWhen(t.revoked_at)}` : 'active'}</td>
                  <td>
                    {!t.revoked_at && (
                      <button
                        type="button"
                        className="button button-small button-danger"
                        disabled={busy}
                        aria-label={`Revoke token ${t.name}`}
                        onClick={() => void revoke(t.id, t.name)}
                      >
                        Revoke
                      </button>
                    )}
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

export default function AdminArea() {
  const roles = useSession().user?.roles ?? [];
  const [model, setModel] = useModelChoice();
  const models = useLoad((signal) => dataApi.models({ signal }), []);
  const onModel = useCallback((code: string) => setModel(code), [setModel]);
  return (
    <div className="area-content">
      <div className="toolbar">
        <ModelPicker value={model} onChange={onModel} />
      </div>
      {model && <RolesPanel key={`roles-${model}`} model={model} />}
      {model && <GrantsPanel key={`grants-${model}`} model={model} />}
      {mayAdminister(roles) && <UsersPanel />}
      <TokensPanel models={models.data ?? []} />
    </div>
  );
}
