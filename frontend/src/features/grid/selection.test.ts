// Unit tests for cell ranges: moving, extending, clamping and listing the cells of a selection.
import { describe, expect, it } from 'vitest';
import { cellsOf, clampCell, collapsed, fitSelection, inRect, moveFocus, rectOf, selectAll } from './selection';

const size = { rows: 10, cols: 5 };

describe('selection', () => {
  it('moves the cursor and collapses the range, or extends it from the anchor', () => {
    const start = collapsed({ row: 2, col: 2 });
    expect(moveFocus(start, { row: 3, col: 2 }, size, false)).toEqual(collapsed({ row: 3, col: 2 }));
    const grown = moveFocus(moveFocus(start, { row: 4, col: 2 }, size, true), { row: 4, col: 0 }, size, true);
    expect(grown).toEqual({ anchor: { row: 2, col: 2 }, focus: { row: 4, col: 0 } });
    expect(rectOf(grown)).toEqual({ top: 2, bottom: 4, left: 0, right: 2 });
  });

  it('keeps the cursor inside the grid', () => {
    expect(clampCell({ row: -1, col: 9 }, size)).toEqual({ row: 0, col: 4 });
    expect(moveFocus(collapsed({ row: 9, col: 4 }), { row: 10, col: 5 }, size, false).focus).toEqual({ row: 9, col: 4 });
    const inside = collapsed({ row: 1, col: 1 });
    expect(fitSelection(inside, size)).toBe(inside);
    expect(fitSelection({ anchor: { row: 8, col: 1 }, focus: { row: 9, col: 4 } }, { rows: 3, cols: 2 })).toEqual({
      anchor: { row: 2, col: 1 },
      focus: { row: 2, col: 1 },
    });
  });

  it('lists the cells of a range row by row and tells what is inside', () => {
    const rect = rectOf({ anchor: { row: 1, col: 1 }, focus: { row: 0, col: 2 } });
    expect(cellsOf(rect)).toEqual([
      { row: 0, col: 1 },
      { row: 0, col: 2 },
      { row: 1, col: 1 },
      { row: 1, col: 2 },
    ]);
    expect(inRect(rect, 1, 2)).toBe(true);
    expect(inRect(rect, 2, 2)).toBe(false);
    expect(rectOf(selectAll(size))).toEqual({ top: 0, left: 0, bottom: 9, right: 4 });
  });
});
