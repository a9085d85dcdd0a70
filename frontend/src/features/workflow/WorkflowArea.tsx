// Approvals (/app/workflow): the status board of a version by entity (state, who, when) with the transitions the
// API allows each unit (reject asks for a comment), and the user's notifications. Links in notifications open
// /app/workflow?model=…&version=…&entity=… on the unit.
import { useCallback, useEffect, useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { ErrorText, ModelPicker, formatWhen, messageOf, useLoad, useModelChoice } from '../data/common';
import '../data/panels.css';
import { versionsApi } from '../versions/versionsApi';
import {
  ACTION_LABEL,
  STATE_LABEL,
  allowedActions,
  countStates,
  defaultVersion,
  needsComment,
  transitionProblem,
  type Action,
  type ApprovalBoard,
  type ApprovalUnit,
  type Notification,
  type Notifications,
} from './board';
import { WorkflowNav } from './WorkflowNav';

const enc = encodeURIComponent;

export const workflowApi = {
  board: (model: string, version: string, options?: { signal?: AbortSignal }) =>
    api.get<ApprovalBoard>(`/api/v1/models/${enc(model)}/approvals/?version=${enc(version)}`, options),
  transition: (model: string, body: { version: string; entity: string; action: Action; comment: string }) =>
    api.post<ApprovalUnit>(`/api/v1/models/${enc(model)}/approvals/`, body),
  notifications: (options?: { signal?: AbortSignal }) => api.get<Notifications>('/api/v1/notifications/', options),
  read: (id: number) => api.post<Notification>(`/api/v1/notifications/${id}/read`),
};

interface Pending {
  entity: string;
  action: Action;
  comment: string;
  problem: string | null;
}

function UnitRow({
  unit,
  highlighted,
  pending,
  busy,
  onStart,
  onChange,
  onSend,
  onCancel,
}: {
  unit: ApprovalUnit;
  highlighted: boolean;
  pending: Pending | null;
  busy: boolean;
  onStart: (action: Action) => void;
  onChange: (comment: string) => void;
  onSend: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const actions = allowedActions(unit);
  return (
    <tr className={highlighted ? 'highlight' : undefined} data-entity={unit.entity} aria-current={highlighted ? 'true' : undefined}>
      <th scope="row">
        <span className="indent" style={{ width: `${unit.level * 1.1}rem` }} />
        {unit.name} <span className="muted small">({unit.entity})</span>
      </th>
      <td>
        <span className={`badge badge-${unit.state}`}>{STATE_LABEL[unit.state] ?? unit.state}</span>
      </td>
      <td>{unit.updated_by ?? '—'}</td>
      <td>{formatWhen(unit.updated_at)}</td>
      <td className="comment-cell">{unit.comment || <span className="muted">—</span>}</td>
      <td>
        {pending ? (
          <div className="inline-form">
            <label htmlFor={`${id}-comment`} className="visually-hidden">
              Comment for {ACTION_LABEL[pending.action].toLowerCase()} {unit.name}
            </label>
            <input
              id={`${id}-comment`}
              type="text"
              value={pending.comment}
              placeholder={needsComment(pending.action) ? 'What to change (required)' : 'Comment (optional)'}
              onChange={(event) => onChange(event.target.value)}
              autoFocus
            />
            <button type="button" className="button button-small button-main" disabled={busy} onClick={onSend}>
              {ACTION_LABEL[pending.action]}
            </button>
            <button type="button" className="button button-small" onClick={onCancel}>
              Cancel
            </button>
            {pending.problem && (
              <p role="alert" className="form-error small">
                {pending.problem}
              </p>
            )}
          </div>
        ) : actions.length ? (
          <div className="inline-form">
            {actions.map((action) => (
              <button
                key={action}
                type="button"
                className="button button-small"
                disabled={busy}
                aria-label={`${ACTION_LABEL[action]} ${unit.name}`}
                onClick={() => onStart(action)}
              >
                {ACTION_LABEL[action]}
              </button>
            ))}
          </div>
        ) : (
          <span className="muted small">—</span>
        )}
      </td>
    </tr>
  );
}

export default function WorkflowArea() {
  const id = useId();
  const [params] = useSearchParams();
  const [model, setModel] = useModelChoice();
  const [version, setVersion] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const wantedModel = params.get('model');
  const wantedVersion = params.get('version');
  const wantedEntity = params.get('entity');

  useEffect(() => {
    if (wantedModel) setModel(wantedModel);
  }, [wantedModel, setModel]);

  const versions = useLoad((signal) => (model ? versionsApi.list(model, { signal }) : Promise.resolve([])), [model]);
  useEffect(() => {
    if (versions.status !== 'loaded') return;
    setVersion((current) =>
      versions.data.some((v) => v.code === current) ? current : defaultVersion(versions.data, wantedVersion),
    );
  }, [versions.status, versions.data, wantedVersion]);

  const board = useLoad(
    (signal) => (model && version ? workflowApi.board(model, version, { signal }) : Promise.resolve(null)),
    [model, version],
  );
  const notifications = useLoad((signal) => workflowApi.notifications({ signal }), []);

  const onModel = useCallback(
    (code: string) => {
      setModel(code);
      setPending(null);
      setOutcome(null);
    },
    [setModel],
  );

  async function send() {
    if (!pending) return;
    const problem = transitionProblem(pending.action, pending.comment);
    if (problem) {
      setPending({ ...pending, problem });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      const answer = await workflowApi.transition(model, {
        version,
        entity: pending.entity,
        action: pending.action,
        comment: pending.comment.trim(),
      });
      setOutcome({ ok: true, text: `${pending.entity} is now ${STATE_LABEL[answer.state as keyof typeof STATE_LABEL] ?? answer.state}.` });
      setPending(null);
      board.reload();
      notifications.reload();
    } catch (error) {
      setPending({ ...pending, problem: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  async function markRead(notification: Notification) {
    try {
      await workflowApi.read(notification.id);
      notifications.reload();
    } catch (error) {
      setOutcome({ ok: false, text: messageOf(error) });
    }
  }

  const units = board.data?.units ?? [];
  const counts = countStates(units);
  const list = versions.data ?? [];
  return (
    <div className="area-content">
      <WorkflowNav />
      <div className="toolbar">
        <ModelPicker value={model} onChange={onModel} />
        {list.length > 0 && (
          <div className="field-inline">
            <label htmlFor={`${id}-version`}>Version</label>
            <select
              id={`${id}-version`}
              value={version}
              onChange={(event) => {
                setVersion(event.target.value);
                setPending(null);
                setOutcome(null);
              }}
            >
              {list.map((v) => (
                <option key={v.code} value={v.code}>
                  {v.name} ({v.code})
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {versions.status === 'failed' && <ErrorText message={versions.error} />}

      <section className="panel" aria-labelledby={`${id}-board`}>
        <div className="panel-head">
          <h2 id={`${id}-board`}>Approval status{board.data ? ` of ${board.data.version}` : ''}</h2>
          <button type="button" className="button button-small" onClick={board.reload}>
            Refresh
          </button>
        </div>
        {board.data?.locked && <p className="muted">This version is locked: nothing moves until it is unlocked.</p>}
        {board.status === 'failed' && <ErrorText message={board.error} />}
        {board.status === 'loading' && version && <p className="muted">Loading the board…</p>}
        {outcome && (outcome.ok ? <p role="status" className="ok-text">{outcome.text}</p> : <ErrorText message={outcome.text} />)}
        {units.length > 0 && (
          <>
            <p className="muted small">
              {counts.draft} draft · {counts.submitted} submitted · {counts.approved} approved · {counts.rejected} rejected
            </p>
            <div className="table-scroll">
              <table className="table board-table">
                <caption className="visually-hidden">Approval state of each entity</caption>
                <thead>
                  <tr>
                    <th scope="col">Entity</th>
                    <th scope="col">State</th>
                    <th scope="col">By</th>
                    <th scope="col">When</th>
                    <th scope="col">Comment</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {units.map((unit) => (
                    <UnitRow
                      key={unit.entity}
                      unit={unit}
                      highlighted={unit.entity === wantedEntity}
                      pending={pending?.entity === unit.entity ? pending : null}
                      busy={busy}
                      onStart={(action) => setPending({ entity: unit.entity, action, comment: '', problem: null })}
                      onChange={(comment) => setPending((current) => (current ? { ...current, comment, problem: null } : current))}
                      onSend={() => void send()}
                      onCancel={() => setPending(null)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {board.status === 'loaded' && board.data && !units.length && <p className="muted">You can see no entity of this version.</p>}
      </section>

      <section className="panel" aria-labelledby={`${id}-notes`}>
        <div className="panel-head">
          <h2 id={`${id}-notes`}>
            Notifications
            {notifications.data ? ` (${notifications.data.unread} unread)` : ''}
          </h2>
          <button type="button" className="button button-small" onClick={notifications.reload}>
            Refresh
          </button>
        </div>
        {notifications.status === 'failed' && <ErrorText message={notifications.error} />}
        {notifications.status === 'loaded' && !notifications.data.notifications.length && (
          <p className="muted">No notifications.</p>
        )}
        {notifications.data && notifications.data.notifications.length > 0 && (
          <ul className="notifications">
            {notifications.data.notifications.map((n) => (
              <li key={n.id} className={n.read ? undefined : 'notification-unread'}>
                <span className="muted small">{formatWhen(n.created_at)}</span> {n.text}{' '}
                {n.link && n.link.startsWith('/') && <Link to={n.link}>Open</Link>}{' '}
                {!n.read && (
                  <button type="button" className="button button-small" onClick={() => void markRead(n)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
