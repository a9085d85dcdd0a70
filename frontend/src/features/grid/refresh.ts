// After a write, only the rows that can change on screen are read back and patched in: the written rows, the
// calculated accounts (formulas and ratios), and the shown ancestors of both. Columns are read whole, so column
// totals in those rows follow too.
import { keyOf, rowKey } from './model';
import { ancestorsOf, isCalculated, type MemberTree } from './tree';
import type { GridAnswer, GridQuery, Header } from './types';

/** The query for the affected rows of `query`, or null when that would be no smaller than the grid. */
export function affectedQuery(
  query: GridQuery,
  answer: GridAnswer,
  writtenRows: Iterable<number>,
  trees: Record<string, MemberTree>,
): GridQuery | null {
  const dimensions = answer.rows.dimensions;
  const shown = dimensions.map((_, i) => new Set(answer.rows.headers.map((h) => h[i]!.code)));
  const wanted = dimensions.map(() => new Set<string>());
  const add = (i: number, code: string) => {
    wanted[i]!.add(code);
    const tree = trees[dimensions[i]!];
    if (tree) for (const ancestor of ancestorsOf(tree, code)) if (shown[i]!.has(ancestor)) wanted[i]!.add(ancestor);
  };
  for (const row of writtenRows) answer.rows.headers[row]?.forEach((header, i) => add(i, header.code));
  dimensions.forEach((d, i) => {
    const tree = trees[d];
    if (tree?.kind === 'account') for (const code of shown[i]!) if (isCalculated(tree, code)) add(i, code);
  });
  const size = wanted.reduce((n, set) => n * set.size, 1);
  if (size === 0 || size * 2 > answer.rows.headers.length) return null;
  return { ...query, rows: dimensions.map((dimension, i) => ({ dimension, members: [...wanted[i]!] })) };
}

function sameColumns(a: Header[][], b: Header[][]): boolean {
  return a.length === b.length && a.every((h, i) => keyOf(h) === keyOf(b[i]!));
}

/** The full answer with the rows of a partial answer (same columns) written over it; unchanged when they differ. */
export function patchAnswer(full: GridAnswer, partial: GridAnswer): GridAnswer {
  if (!sameColumns(full.columns.headers, partial.columns.headers)) return full;
  const at = new Map(full.rows.headers.map((_, r) => [rowKey(full, r), r]));
  const values = full.values.slice();
  const editable = full.editable.slice();
  const rowVersions = full.row_versions.slice();
  const reasons = full.reasons && partial.reasons ? full.reasons.slice() : full.reasons;
  partial.rows.headers.forEach((_, p) => {
    const r = at.get(rowKey(partial, p));
    if (r === undefined) return;
    values[r] = partial.values[p]!;
    editable[r] = partial.editable[p]!;
    rowVersions[r] = partial.row_versions[p]!;
    if (reasons && partial.reasons) reasons[r] = partial.reasons[p]!;
  });
  let variance = full.variance;
  if (variance && partial.variance && sameColumns(variance.columns.headers, partial.variance.columns.headers)) {
    const vAt = new Map(variance.rows.headers.map((h, i) => [keyOf(h), i]));
    const absolute = variance.absolute.slice();
    const percent = variance.percent.slice();
    const favourable = variance.favourable.slice();
    partial.variance.rows.headers.forEach((h, p) => {
      const v = vAt.get(keyOf(h));
      if (v === undefined) return;
      absolute[v] = partial.variance!.absolute[p]!;
      percent[v] = partial.variance!.percent[p]!;
      favourable[v] = partial.variance!.favourable[p]!;
    });
    variance = { ...variance, absolute, percent, favourable };
  }
  return {
    ...full,
    data_version: Math.max(full.data_version, partial.data_version),
    values,
    editable,
    row_versions: rowVersions,
    reasons,
    variance,
  };
}

/** A copy of the matrix in which the rows named get their own arrays, changed by `set`; the original stays. */
function changedRows<T>(matrix: T[][], cells: { row: number; source: number }[], set: (row: T[], i: number) => void): T[][] {
  const copy = matrix.slice();
  const copied = new Set<number>();
  cells.forEach((cell, i) => {
    if (!copied.has(cell.row)) {
      copy[cell.row] = [...(matrix[cell.row] ?? [])];
      copied.add(cell.row);
    }
    set(copy[cell.row]!, i);
  });
  return copy;
}

/** The answer with some cells set ahead of the server's reply (the value just typed shows at once). */
export function withValues(answer: GridAnswer, cells: { row: number; source: number; value: number | null }[]): GridAnswer {
  return { ...answer, values: changedRows(answer.values, cells, (row, i) => (row[cells[i]!.source] = cells[i]!.value)) };
}

/** The answer with new row versions for cells just written. */
export function withRowVersions(answer: GridAnswer, cells: { row: number; source: number; version: number }[]): GridAnswer {
  const row_versions = changedRows(answer.row_versions, cells, (row, i) => (row[cells[i]!.source] = cells[i]!.version));
  return { ...answer, row_versions };
}
