// Undo of cell writes: each batch remembers the values it replaced and the row versions it left, so undoing
// writes the old values back with optimistic concurrency (a cell changed by someone else in between is refused).
import type { CellWrite } from './types';

export interface UndoCell {
  coordinate: Record<string, string>;
  before: number | null;
  after: number | null;
  /** The cell's row version after the write (0: the write emptied it). */
  rowVersion: number | null;
}

export interface UndoEntry {
  label: string;
  cells: UndoCell[];
}

export const UNDO_LIMIT = 50;

/** The stack with `entry` on top (oldest entries fall off past the limit); no-op writes are not recorded. */
export function pushUndo(stack: readonly UndoEntry[], entry: UndoEntry, limit = UNDO_LIMIT): UndoEntry[] {
  const cells = entry.cells.filter((cell) => cell.before !== cell.after);
  if (!cells.length) return [...stack];
  return [...stack, { ...entry, cells }].slice(-limit);
}

export function peekUndo(stack: readonly UndoEntry[]): UndoEntry | null {
  return stack.length ? stack[stack.length - 1]! : null;
}

export function popUndo(stack: readonly UndoEntry[]): UndoEntry[] {
  return stack.slice(0, -1);
}

/** The batch that restores an entry's previous values. */
export function undoWrites(entry: UndoEntry): CellWrite[] {
  return entry.cells.map((cell) => ({ coordinate: cell.coordinate, value: cell.before, row_version: cell.rowVersion }));
}
