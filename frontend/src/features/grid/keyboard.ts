// The grid's keyboard model: which command a key press means, and where each movement takes the selection.
import { clampCell, moveFocus, selectAll, type GridSelection, type GridSize } from './selection';

export interface KeyInput {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

export type GridCommand =
  | { type: 'move'; rows: number; cols: number; extend: boolean; toEdge: boolean }
  | { type: 'home' | 'end'; extend: boolean; wholeGrid: boolean }
  | { type: 'page'; direction: 1 | -1; extend: boolean }
  | { type: 'tab'; back: boolean }
  | { type: 'enter'; back: boolean }
  | { type: 'selectAll' }
  | { type: 'edit'; initial: string | null } // null: edit the current value (F2); text: replace it (typing)
  | { type: 'clear' }
  | { type: 'undo' }
  | { type: 'hold' }
  | { type: 'expand'; open: boolean };

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/** What a key press means while the grid has focus and no cell is being edited (null: not the grid's key). */
export function commandFor(e: KeyInput): GridCommand | null {
  const mod = e.ctrlKey || e.metaKey;
  const arrow = ARROWS[e.key];
  if (arrow && e.altKey) return arrow[1] !== 0 ? { type: 'expand', open: arrow[1] > 0 } : null;
  if (arrow) return { type: 'move', rows: arrow[0], cols: arrow[1], extend: e.shiftKey, toEdge: mod };
  switch (e.key) {
    case 'Home':
    case 'End':
      return { type: e.key === 'Home' ? 'home' : 'end', extend: e.shiftKey, wholeGrid: mod };
    case 'PageUp':
    case 'PageDown':
      return { type: 'page', direction: e.key === 'PageDown' ? 1 : -1, extend: e.shiftKey };
    case 'Tab':
      return mod || e.altKey ? null : { type: 'tab', back: e.shiftKey };
    case 'Enter':
      return { type: 'enter', back: e.shiftKey };
    case 'F2':
      return { type: 'edit', initial: null };
    case 'Delete':
      return { type: 'clear' };
    case 'Backspace':
      return mod ? null : { type: 'edit', initial: '' };
  }
  if (mod && !e.altKey) {
    const key = e.key.toLowerCase();
    if (key === 'a') return { type: 'selectAll' };
    if (key === 'z' && !e.shiftKey) return { type: 'undo' };
    return null; // Ctrl+C / Ctrl+V / Ctrl+X arrive as clipboard events
  }
  if (e.altKey && e.key.toLowerCase() === 'h') return { type: 'hold' };
  if (e.key.length === 1 && !e.altKey) return { type: 'edit', initial: e.key }; // typing replaces the value
  return null;
}

/** While editing: how a key ends the edit. 'typing' edits (started by a key) end on arrows, like a spreadsheet. */
export type EditEnd =
  | { type: 'commit'; rows: number; cols: number }
  | { type: 'cancel' }
  | null;

export function editEndFor(e: KeyInput, mode: 'typing' | 'editing'): EditEnd {
  if (e.key === 'Escape') return { type: 'cancel' };
  if (e.key === 'Enter') return { type: 'commit', rows: e.shiftKey ? -1 : 1, cols: 0 };
  if (e.key === 'Tab') return { type: 'commit', rows: 0, cols: e.shiftKey ? -1 : 1 };
  const arrow = ARROWS[e.key];
  if (arrow && mode === 'typing' && !e.shiftKey) return { type: 'commit', rows: arrow[0], cols: arrow[1] };
  return null;
}

/**
 * The selection after a movement command, or null when the command leaves the grid (Tab past the last cell),
 * so the browser may move focus on.
 */
export function applyMove(
  selection: GridSelection,
  command: GridCommand,
  size: GridSize,
  pageRows: number,
): GridSelection | null {
  const { focus } = selection;
  switch (command.type) {
    case 'move': {
      const row = command.toEdge ? (command.rows > 0 ? size.rows - 1 : command.rows < 0 ? 0 : focus.row) : focus.row + command.rows;
      const col = command.toEdge ? (command.cols > 0 ? size.cols - 1 : command.cols < 0 ? 0 : focus.col) : focus.col + command.cols;
      return moveFocus(selection, { row, col }, size, command.extend);
    }
    case 'home':
      return moveFocus(selection, { row: command.wholeGrid ? 0 : focus.row, col: 0 }, size, command.extend);
    case 'end':
      return moveFocus(
        selection,
        { row: command.wholeGrid ? size.rows - 1 : focus.row, col: size.cols - 1 },
        size,
        command.extend,
      );
    case 'page':
      return moveFocus(selection, { row: focus.row + command.direction * Math.max(pageRows, 1), col: focus.col }, size, command.extend);
    case 'tab': {
      const step = command.back ? -1 : 1;
      let { row, col } = focus;
      col += step;
      if (col >= size.cols) [row, col] = [row + 1, 0];
      if (col < 0) [row, col] = [row - 1, size.cols - 1];
      if (row < 0 || row >= size.rows) return null;
      return moveFocus(selection, { row, col }, size, false);
    }
    case 'enter':
      return moveFocus(selection, { row: focus.row + (command.back ? -1 : 1), col: focus.col }, size, false);
    case 'selectAll':
      return selectAll(size);
    default:
      return { anchor: clampCell(selection.anchor, size), focus: clampCell(focus, size) };
  }
}
