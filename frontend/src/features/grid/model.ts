// The grid as displayed, built from a query answer: its rows and columns (value columns, and for a version
// comparison each group of versions followed by its variance and variance %), and what each cell holds.
import { isCalculated, isLocked, type MemberTree } from './tree';
import type { GridAnswer, Header, ReadOnlyReason } from './types';

export type ColumnKind = 'value' | 'variance' | 'percent';

export interface DisplayColumn {
  kind: ColumnKind;
  /** Column of answer.values (value) or of answer.variance (variance, percent). */
  source: number;
  /** One header per column dimension; variance columns have the version dimension's header as null. */
  headers: (Header | null)[];
}

export interface GridModel {
  answer: GridAnswer;
  rowDimensions: string[];
  columnDimensions: string[];
  rowCount: number;
  columns: DisplayColumn[];
  /** Position of each variance row (by row key) in answer.variance. */
  varianceRows: number[] | null;
}

const SEPARATOR = '\u0001';

export function keyOf(headers: (Header | null)[]): string {
  return headers.map((h) => h?.code ?? '').join(SEPARATOR);
}

export function rowKey(answer: GridAnswer, row: number): string {
  return keyOf(answer.rows.headers[row] ?? []);
}

function varianceColumns(answer: GridAnswer): DisplayColumn[] | null {
  const variance = answer.variance;
  if (!variance) return null;
  // The version dimension is the column dimension the variance does not have (none when Version is not on columns).
  const versionAt = answer.columns.dimensions.findIndex((d) => !variance.columns.dimensions.includes(d));
  if (versionAt < 0) return null;
  const groups = new Map<string, number[]>();
  answer.columns.headers.forEach((headers, c) => {
    const key = keyOf(headers.filter((_, i) => i !== versionAt));
    groups.set(key, [...(groups.get(key) ?? []), c]);
  });
  const varianceAt = new Map(variance.columns.headers.map((headers, j) => [keyOf(headers), j]));
  const columns: DisplayColumn[] = [];
  for (const [key, sources] of groups) {
    for (const source of sources) columns.push({ kind: 'value', source, headers: answer.columns.headers[source]! });
    const j = varianceAt.get(key);
    if (j === undefined) continue;
    const headers = answer.columns.headers[sources[0]!]!.map((h, i) => (i === versionAt ? null : h));
    columns.push({ kind: 'variance', source: j, headers }, { kind: 'percent', source: j, headers });
  }
  return columns;
}

export function buildModel(answer: GridAnswer): GridModel {
  const columns =
    varianceColumns(answer) ??
    answer.columns.headers.map((headers, source) => ({ kind: 'value' as const, source, headers }));
  let varianceRows: number[] | null = null;
  if (answer.variance) {
    const at = new Map(answer.variance.rows.headers.map((headers, i) => [keyOf(headers), i]));
    const dims = answer.variance.rows.dimensions;
    varianceRows = answer.rows.headers.map((headers) => {
      const kept = headers.filter((_, i) => dims.includes(answer.rows.dimensions[i]!));
      return at.get(keyOf(kept)) ?? (dims.length === 0 ? 0 : -1);
    });
  }
  return {
    answer,
    rowDimensions: answer.rows.dimensions,
    columnDimensions: answer.columns.dimensions,
    rowCount: answer.rows.headers.length,
    columns,
    varianceRows,
  };
}

export function cellValue(model: GridModel, row: number, col: number): number | null {
  const column = model.columns[col];
  if (!column) return null;
  if (column.kind === 'value') return model.answer.values[row]?.[column.source] ?? null;
  const v = model.varianceRows?.[row] ?? -1;
  const variance = model.answer.variance;
  if (!variance || v < 0) return null;
  return (column.kind === 'variance' ? variance.absolute : variance.percent)[v]?.[column.source] ?? null;
}

export function isEditable(model: GridModel, row: number, col: number): boolean {
  const column = model.columns[col];
  return column?.kind === 'value' && model.answer.editable[row]?.[column.source] === true;
}

export function rowVersionOf(model: GridModel, row: number, col: number): number | null {
  const column = model.columns[col];
  if (column?.kind !== 'value') return null;
  return model.answer.row_versions[row]?.[column.source] ?? null;
}

/** For a variance cell: whether the difference is good news (null: neutral account or nothing to compare). */
export function favourableOf(model: GridModel, row: number, col: number): boolean | null {
  const column = model.columns[col];
  const v = model.varianceRows?.[row] ?? -1;
  if (!column || column.kind === 'value' || v < 0) return null;
  return model.answer.variance?.favourable[v]?.[column.source] ?? null;
}

/** The cell's member of every dimension (rows, columns and filters); null for variance cells. */
export function coordinateOf(model: GridModel, row: number, col: number): Record<string, string> | null {
  const column = model.columns[col];
  const rowHeaders = model.answer.rows.headers[row];
  if (!column || column.kind !== 'value' || !rowHeaders) return null;
  const coordinate: Record<string, string> = {};
  for (const [dimension, header] of Object.entries(model.answer.filters)) coordinate[dimension] = header.code;
  model.rowDimensions.forEach((d, i) => (coordinate[d] = rowHeaders[i]!.code));
  model.columnDimensions.forEach((d, i) => (coordinate[d] = column.headers[i]!.code));
  return coordinate;
}

/** Identity of a cell across re-reads and layouts (e.g. for held cells). */
export function coordinateKey(coordinate: Record<string, string>): string {
  return Object.keys(coordinate)
    .sort()
    .map((d) => `${d}=${coordinate[d]}`)
    .join(SEPARATOR);
}

/** Why a cell is read-only (null if it takes input): from the answer's `reasons`, else worked out here. */
export function reasonOf(
  model: GridModel,
  row: number,
  col: number,
  trees: Record<string, MemberTree>,
): ReadOnlyReason | string | null {
  const column = model.columns[col];
  if (!column) return null;
  if (column.kind !== 'value') return 'variance';
  if (model.answer.editable[row]?.[column.source]) return null;
  const given = model.answer.reasons?.[row]?.[column.source];
  if (given) return given;
  const members: [string, Header][] = [
    ...Object.entries(model.answer.filters),
    ...model.rowDimensions.map((d, i): [string, Header] => [d, model.answer.rows.headers[row]![i]!]),
    ...model.columnDimensions.map((d, i): [string, Header] => [d, column.headers[i]!]),
  ];
  // The back end's order, strongest first: locked, no access (not known here), calculated, total.
  if (members.some(([d, h]) => trees[d] && isLocked(trees[d]!, h.code))) return 'locked';
  const account = members.find(([d]) => trees[d]?.kind === 'account');
  if (account && isCalculated(trees[account[0]]!, account[1].code)) return 'calculated';
  if (members.some(([, h]) => h.has_children)) return 'total';
  return model.answer.currency ? 'converted' : 'no_access';
}

/** The cell's account number format (an Excel pattern such as `#,##0`), '' when there is none: the account is
 * read from the row, the column or the filters, wherever the grid has the account dimension. */
export function formatOf(model: GridModel, row: number, col: number, trees: Record<string, MemberTree>): string {
  const isAccount = (d: string) => trees[d]?.kind === 'account';
  let dimension = model.rowDimensions.find(isAccount);
  let code: string | undefined;
  if (dimension) code = model.answer.rows.headers[row]?.[model.rowDimensions.indexOf(dimension)]?.code;
  else if ((dimension = model.columnDimensions.find(isAccount))) {
    code = model.columns[col]?.headers[model.columnDimensions.indexOf(dimension)]?.code;
  } else if ((dimension = Object.keys(model.answer.filters).find(isAccount))) code = model.answer.filters[dimension]?.code;
  if (!dimension || !code) return '';
  return trees[dimension]?.members.get(code)?.number_format ?? '';
}

const REASONS: Record<string, string> = {
  total: 'Total of the cells below it. Type a value here to spread it over them.',
  calculated: 'Calculated by a formula or ratio. Change its inputs instead.',
  locked: 'Locked period or version. Ask an approver to unlock it before changing values.',
  no_access: 'You may read this cell but not change it. Ask an administrator for write access.',
  converted: 'Converted to another currency. Enter values in the entity’s own currency (choose “As entered”).',
  variance: 'Variance between the compared versions, calculated.',
  approval: 'Submitted for approval. It takes input again when an approver sends it back.',
};

export function reasonText(reason: string): string {
  return REASONS[reason] ?? `Read-only (${reason}).`;
}
