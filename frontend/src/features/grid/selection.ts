// Cell ranges of the grid: an anchor where the selection started and a focus (the cursor) where it ends.

export interface CellPosition {
  row: number;
  col: number;
}

export interface GridSelection {
  anchor: CellPosition;
  focus: CellPosition;
}

export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface GridSize {
  rows: number;
  cols: number;
}

export function clampCell(cell: CellPosition, size: GridSize): CellPosition {
  return {
    row: Math.min(Math.max(cell.row, 0), Math.max(size.rows - 1, 0)),
    col: Math.min(Math.max(cell.col, 0), Math.max(size.cols - 1, 0)),
  };
}

export function collapsed(cell: CellPosition): GridSelection {
  return { anchor: cell, focus: cell };
}

/** Moves the cursor; with `extend` the anchor stays and the range grows or shrinks. */
export function moveFocus(selection: GridSelection, cell: CellPosition, size: GridSize, extend: boolean): GridSelection {
  const focus = clampCell(cell, size);
  return extend ? { anchor: selection.anchor, focus } : collapsed(focus);
}

export function selectAll(size: GridSize): GridSelection {
  return { anchor: { row: 0, col: 0 }, focus: { row: size.rows - 1, col: size.cols - 1 } };
}

export function rectOf(selection: GridSelection): Rect {
  const { anchor, focus } = selection;
  return {
    top: Math.min(anchor.row, focus.row),
    bottom: Math.max(anchor.row, focus.row),
    left: Math.min(anchor.col, focus.col),
    right: Math.max(anchor.col, focus.col),
  };
}

export function inRect(rect: Rect, row: number, col: number): boolean {
  return row >= rect.top && row <= rect.bottom && col >= rect.left && col <= rect.right;
}

export function rectHeight(rect: Rect): number {
  return rect.bottom - rect.top + 1;
}

export function rectWidth(rect: Rect): number {
  return rect.right - rect.left + 1;
}

export function isSingleCell(selection: GridSelection): boolean {
  return selection.anchor.row === selection.focus.row && selection.anchor.col === selection.focus.col;
}

/** Every cell of the rectangle, row by row. */
export function cellsOf(rect: Rect): CellPosition[] {
  const cells: CellPosition[] = [];
  for (let row = rect.top; row <= rect.bottom; row++) {
    for (let col = rect.left; col <= rect.right; col++) cells.push({ row, col });
  }
  return cells;
}

/** Keeps a selection inside a grid that was re-read with fewer rows or columns (the same object if it fits). */
export function fitSelection(selection: GridSelection, size: GridSize): GridSelection {
  const anchor = clampCell(selection.anchor, size);
  const focus = clampCell(selection.focus, size);
  const same = (a: CellPosition, b: CellPosition) => a.row === b.row && a.col === b.col;
  return same(anchor, selection.anchor) && same(focus, selection.focus) ? selection : { anchor, focus };
}
