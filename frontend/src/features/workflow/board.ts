// The approval status board: its shapes, the actions a unit offers, and the checks made before a transition.
import type { Schemas } from '../../api/typed';

export type ApprovalBoard = Schemas['ApprovalBoard'];
export type ApprovalUnit = Schemas['ApprovalUnit'];
export type ApprovalState = Schemas['StateEnum'];
export type Action = Schemas['ActionEnum'];
export type Notification = Schemas['Notification'];
export type Notifications = Schemas['Notifications'];

export const ACTIONS: Action[] = ['submit', 'approve', 'reject', 'reopen'];

export const ACTION_LABEL: Record<Action, string> = {
  submit: 'Submit',
  approve: 'Approve',
  reject: 'Reject',
  reopen: 'Reopen',
};

export const STATE_LABEL: Record<ApprovalState, string> = {
  draft: 'Draft',
  submitted: 'Submitted',
  approved: 'Approved',
  rejected: 'Rejected',
};

/** The actions of a unit the API allows now, in a stable order (unknown ones are dropped). */
export function allowedActions(unit: Pick<ApprovalUnit, 'actions'>): Action[] {
  return ACTIONS.filter((a) => unit.actions.includes(a));
}

export function needsComment(action: Action): boolean {
  return action === 'reject';
}

/** Why the transition cannot be sent yet, or null. A rejection must say what to change. */
export function transitionProblem(action: Action, comment: string): string | null {
  if (needsComment(action) && !comment.trim()) return 'Say what to change: a rejection needs a comment.';
  if (comment.length > 4000) return 'The comment is too long (at most 4,000 characters).';
  return null;
}

export function countStates(units: Pick<ApprovalUnit, 'state'>[]): Record<ApprovalState, number> {
  const counts: Record<ApprovalState, number> = { draft: 0, submitted: 0, approved: 0, rejected: 0 };
  for (const unit of units) counts[unit.state] = (counts[unit.state] ?? 0) + 1;
  return counts;
}

/** The version a board opens on: the one asked for if it exists, else a budget, else the first. */
export function defaultVersion(versions: { code: string; version_kind?: string }[], wanted?: string | null): string {
  if (wanted && versions.some((v) => v.code === wanted)) return wanted;
  return versions.find((v) => v.version_kind === 'budget')?.code ?? versions[0]?.code ?? '';
}
