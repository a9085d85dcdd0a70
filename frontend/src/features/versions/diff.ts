// The answer of a version diff and how each listed cell changed.

export interface DiffCell {
  coordinate: Record<string, string>;
  before: number | null;
  after: number | null;
}

export interface DiffAnswer {
  version: string;
  reference: string;
  count: number;
  listed: number;
  total_before: number;
  total_after: number;
  cells: DiffCell[];
}

export type ChangeKind = 'added' | 'removed' | 'changed';

export function changeKind(cell: Pick<DiffCell, 'before' | 'after'>): ChangeKind {
  if (cell.before === null || cell.before === undefined) return 'added';
  if (cell.after === null || cell.after === undefined) return 'removed';
  return 'changed';
}

/** after − before, an empty value counting as 0. */
export function delta(cell: Pick<DiffCell, 'before' | 'after'>): number {
  return (cell.after ?? 0) - (cell.before ?? 0);
}

/** The dimensions named in the cells' coordinates, in the order the first cell names them. */
export function diffDimensions(cells: DiffCell[]): string[] {
  const seen: string[] = [];
  for (const cell of cells) {
    for (const dimension of Object.keys(cell.coordinate)) if (!seen.includes(dimension)) seen.push(dimension);
  }
  return seen;
}

export function countByKind(cells: DiffCell[]): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = { added: 0, removed: 0, changed: 0 };
  for (const cell of cells) counts[changeKind(cell)] += 1;
  return counts;
}
