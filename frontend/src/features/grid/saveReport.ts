// Saving the grid as a report: the report's code derived from its name, the definition made from the grid's
// layout (its query is exactly the one the grid reads), and who is offered the action.
import type { ReportDefinition } from '../reports/types';
import { toQuery, type Layout, type Trees } from './layout';

/** The pattern the reports API accepts for a code (opencorpo/reports/serializers.py, CODE). */
export const REPORT_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CODE_LENGTH = 64;

/** "Sales by région, 2026 (draft)" → "sales-by-region-2026-draft": lower case, accents dropped, dashes between words. */
export function codeFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, CODE_LENGTH)
    .replace(/-+$/, '');
}

/** Why a code cannot be saved, in words, or null when it can. */
export function codeProblem(code: string): string | null {
  if (!code) return 'Give the report a code.';
  if (!REPORT_CODE.test(code)) {
    return 'A code has up to 64 letters, digits, “-”, “_” or “.”, and starts with a letter or digit.';
  }
  return null;
}

/** The report of a grid layout: the grid's own query; a version comparison shows as a variance table. */
export function reportDefinition(layout: Layout, trees: Trees): ReportDefinition {
  return { query: toQuery(layout, trees), display: { layout: layout.compare ? 'variance' : 'plain' } };
}

const SAVERS = new Set(['planner', 'modeller', 'administrator']);

/**
 * Whether to offer "Save as report" to a user with these roles held everywhere: planners, modellers and
 * administrators save reports (opencorpo/reports/views.py). Someone who holds only viewer or approver roles
 * everywhere is not offered it; someone with no role held everywhere may hold one in this model (the session does
 * not say), so the action is offered and the API decides.
 */
export function maySaveReports(roles: readonly string[] | null | undefined): boolean {
  return !roles?.length || roles.some((role) => SAVERS.has(role));
}
