// Unit tests for paste planning: where a pasted block lands, what is skipped, and the one batch it becomes.
import { describe, expect, it } from 'vitest';
import { parseNumber } from './numbers';
import { pasteSummary, planPaste } from './paste';
import { parseTsv } from './tsv';

const parse = (text: string) => parseNumber(text, 'en-US');
const grid = (readOnly: [number, number][] = [], rows = 6, cols = 5) => ({
  rows,
  cols,
  editable: (r: number, c: number) => !readOnly.some(([rr, cc]) => rr === r && cc === c),
});
const at = (row: number, col: number) => ({ top: row, left: col, bottom: row, right: col });

describe('planPaste', () => {
  it('writes a 3 × 4 block copied from Excel at the cursor, row by row', () => {
    const plan = planPaste(parseTsv('1\t2\t3\t4\r\n5\t6\t7\t8\r\n9\t10\t11\t1,200\r\n'), at(1, 1), grid(), parse);
    expect(plan.errors).toEqual([]);
    expect(plan.writes).toHaveLength(12);
    expect(plan.writes[0]).toEqual({ row: 1, col: 1, value: 1 });
    expect(plan.writes[3]).toEqual({ row: 1, col: 4, value: 4 });
    expect(plan.writes[11]).toEqual({ row: 3, col: 4, value: 1200 });
  });

  it('leaves read-only cells alone and ignores what falls past the edge', () => {
    const plan = planPaste(parseTsv('1\t2\n3\t4'), at(4, 3), grid([[4, 4]], 5, 5), parse);
    expect(plan.writes).toEqual([{ row: 4, col: 3, value: 1 }]);
    expect(plan.skipped).toBe(1);
    expect(plan.clipped).toBe(2);
    expect(pasteSummary(plan)).toBe(
      'Pasted 1 cell; 1 read-only cell left unchanged; 2 values past the edge of the grid ignored.',
    );
  });

  it('fills a larger selection with a single value or a block that fits it a whole number of times', () => {
    const fill = planPaste([['7']], { top: 0, left: 0, bottom: 1, right: 2 }, grid(), parse);
    expect(fill.writes.map((w) => [w.row, w.col, w.value])).toEqual([
      [0, 0, 7],
      [0, 1, 7],
      [0, 2, 7],
      [1, 0, 7],
      [1, 1, 7],
      [1, 2, 7],
    ]);
    const tiled = planPaste([['1', '2']], { top: 0, left: 0, bottom: 1, right: 3 }, grid(), parse);
    expect(tiled.writes.map((w) => w.value)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    const once = planPaste([['1', '2']], { top: 0, left: 0, bottom: 0, right: 2 }, grid(), parse);
    expect(once.writes).toHaveLength(2);
  });

  it('empties cells for blank fields and refuses text that is not a number', () => {
    expect(planPaste([['', '3']], at(0, 0), grid(), parse).writes[0]).toEqual({ row: 0, col: 0, value: null });
    const bad = planPaste([['1', 'x'], ['oops', '2']], at(0, 0), grid(), parse);
    expect(bad.errors).toEqual([
      'Row 1, column 2 of the pasted block: “x” is not a number.',
      'Row 2, column 1 of the pasted block: “oops” is not a number.',
    ]);
  });
});
