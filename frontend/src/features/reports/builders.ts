// Pure builders from grid answers to tables and chart data; the chart components only draw what these return.
import type { GridAnswer, Header, WaterfallOptions } from './types';

/** One value of a grid answer's matrix (null when absent). */
export const valueAt = (values: (number | null)[][], r: number, c: number): number | null => values[r]?.[c] ?? null;
const at0 = (headers: Header[] | undefined, i: number): Header | undefined => headers?.[i];
const label = (headers: Header[]) => headers.map((h) => h.name).join(' · ');
const key = (headers: Header[]) => headers.map((h) => h.code).join('|');

// ---- variance tables ----------------------------------------------------------------------------------

export interface VarianceCell {
  actual: number | null;
  reference: number | null;
  absolute: number | null;
  percent: number | null;
  favourable: boolean | null;
}

export interface VarianceTable {
  version: string;
  reference: string;
  groups: string[];
  rows: { code: string; label: string; level: number; cells: VarianceCell[] }[];
}

/** Side by side per column group (e.g. per quarter): the version, its reference, the variance and variance %. */
export function varianceTable(answer: GridAnswer): VarianceTable | null {
  const variance = answer.variance;
  if (!variance) return null;
  const versionAt = answer.columns.dimensions.indexOf('version');
  const rowsVersionAt = answer.rows.dimensions.indexOf('version');
  if (versionAt < 0 || rowsVersionAt >= 0) return null;
  const rest = (headers: Header[]) => headers.filter((_, i) => i !== versionAt);
  const groupIndex = new Map(variance.columns.headers.map((h, i) => [key(h), i]));
  const columnOf = (group: number, version: string) =>
    answer.columns.headers.findIndex((h) => at0(h, versionAt)?.code === version && groupIndex.get(key(rest(h))) === group);
  const groups = variance.columns.headers.map((h) => label(h));
  const rows = answer.rows.headers.map((header, r) => ({
    code: key(header),
    label: label(header),
    level: Math.max(...header.map((h) => h.level), 0),
    cells: groups.map((_, g) => {
      const a = columnOf(g, variance.version);
      const b = columnOf(g, variance.reference);
      return {
        actual: a >= 0 ? valueAt(answer.values, r, a) : null,
        reference: b >= 0 ? valueAt(answer.values, r, b) : null,
        absolute: variance.absolute[r]?.[g] ?? null,
        percent: variance.percent[r]?.[g] ?? null,
        favourable: variance.favourable[r]?.[g] ?? null,
      };
    }),
  }));
  return { version: variance.version, reference: variance.reference, groups, rows };
}

/** Rolling forecast: for each period the actual up to the cut-off, the forecast after it. */
export function rollingTable(answer: GridAnswer, actual: string, forecast: string, cutoff: string) {
  const timeAt = answer.columns.dimensions.indexOf('time');
  const versionAt = answer.columns.dimensions.indexOf('version');
  const periods: { code: string; name: string; source: string; column: number }[] = [];
  let past = true;
  for (const [c, header] of answer.columns.headers.entries()) {
    const period = header[timeAt];
    if (!period) continue;
    if (periods.some((p) => p.code === period.code)) continue;
    const source = past ? actual : forecast;
    const column = answer.columns.headers.findIndex((h) => at0(h, timeAt)?.code === period.code && at0(h, versionAt)?.code === source);
    periods.push({ code: period.code, name: period.name, source, column: column >= 0 ? column : c });
    if (period.code === cutoff) past = false;
  }
  const rows = answer.rows.headers.map((header, r) => ({
    code: key(header),
    label: label(header),
    level: Math.max(...header.map((h) => h.level), 0),
    values: periods.map((p) => valueAt(answer.values, r, p.column)),
  }));
  return { periods, rows };
}

// ---- charts -------------------------------------------------------------------------------------------

export interface WaterfallBar {
  label: string;
  kind: 'start' | 'up' | 'down' | 'end';
  /** Invisible part below the bar. */
  base: number;
  /** Visible height (always ≥ 0). */
  size: number;
  /** Signed change (the value itself for start and end). */
  value: number;
}

const EPSILON = 1e-6;

/** A bridge from `start` to `end`: one bar per step, and an "Other" step when the steps do not close the gap. */
export function waterfall(start: number, end: number, steps: { label: string; delta: number }[], startLabel = 'Start', endLabel = 'End'): WaterfallBar[] {
  const bars: WaterfallBar[] = [{ label: startLabel, kind: 'start', base: Math.min(0, start), size: Math.abs(start), value: start }];
  let level = start;
  const all = [...steps];
  const gap = end - start - steps.reduce((sum, s) => sum + s.delta, 0);
  if (Math.abs(gap) > EPSILON * Math.max(1, Math.abs(end), Math.abs(start))) all.push({ label: 'Other', delta: gap });
  for (const step of all) {
    const next = level + step.delta;
    bars.push({ label: step.label, kind: step.delta >= 0 ? 'up' : 'down', base: Math.min(level, next), size: Math.abs(step.delta), value: step.delta });
    level = next;
  }
  bars.push({ label: endLabel, kind: 'end', base: Math.min(0, end), size: Math.abs(end), value: end });
  return bars;
}

/** The bridge of a report: the total in `start` version, each step's signed variance, the total in `end`. */
export function waterfallFromAnswer(answer: GridAnswer, options: WaterfallOptions): WaterfallBar[] {
  const accountAt = answer.rows.dimensions.indexOf('account');
  const versionAt = answer.columns.dimensions.indexOf('version');
  const row = (code: string) => answer.rows.headers.findIndex((h) => at0(h, accountAt)?.code === code);
  const column = (code: string) => answer.columns.headers.findIndex((h) => at0(h, versionAt)?.code === code);
  const at = (account: string, version: string) => {
    const r = row(account);
    const c = column(version);
    return valueAt(answer.values, r, c) ?? 0;
  };
  const name = (code: string) => at0(answer.rows.headers[row(code)], accountAt)?.name ?? code;
  const versionName = (code: string) => at0(answer.columns.headers[column(code)], versionAt)?.name ?? code;
  const steps = options.steps
    .filter((s) => row(s.account) >= 0)
    .map((s) => ({ label: name(s.account), delta: s.sign * (at(s.account, options.end) - at(s.account, options.start)) }));
  return waterfall(at(options.total, options.start), at(options.total, options.end), steps, versionName(options.start), versionName(options.end));
}

export interface HeatCell {
  x: number;
  y: number;
  /** Variance % signed so that favourable is positive. */
  value: number;
}

/** Heat map of variance % (rows × columns of the variance block), null cells left out. */
export function heatmapCells(answer: GridAnswer): { xs: string[]; ys: string[]; cells: HeatCell[] } {
  const variance = answer.variance;
  if (!variance) return { xs: [], ys: [], cells: [] };
  const xs = variance.columns.headers.map(label);
  const ys = variance.rows.headers.map(label);
  const cells: HeatCell[] = [];
  variance.percent.forEach((row, y) =>
    row.forEach((pct, x) => {
      const favourable = variance.favourable[y]?.[x];
      if (pct === null || favourable === null || favourable === undefined) return;
      cells.push({ x, y, value: favourable ? Math.abs(pct) : -Math.abs(pct) });
    }),
  );
  return { xs, ys, cells };
}

/** One series per row (e.g. per version) across the columns (e.g. months). */
export function seriesByRow(answer: GridAnswer): { categories: string[]; series: { name: string; data: (number | null)[] }[] } {
  return {
    categories: answer.columns.headers.map(label),
    series: answer.rows.headers.map((h, r) => ({ name: label(h), data: answer.values[r] ?? [] })),
  };
}

/** One series per column (e.g. per version) across the rows (e.g. entities). */
export function seriesByColumn(answer: GridAnswer): { categories: string[]; series: { name: string; data: (number | null)[] }[] } {
  return {
    categories: answer.rows.headers.map(label),
    series: answer.columns.headers.map((h, c) => ({ name: label(h), data: answer.values.map((row) => row[c] ?? null) })),
  };
}

/** The number pattern of an answer's cell: that of the account on its row, its column or in the filters ('' if none). */
export function patternOf(answer: GridAnswer, row: number, column = -1): string {
  const headers = [...(answer.rows.headers[row] ?? []), ...(answer.columns.headers[column] ?? []), ...Object.values(answer.filters)];
  return headers.find((h) => h.number_format)?.number_format ?? '';
}
