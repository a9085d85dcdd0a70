// Unit tests for the fast refresh after a write: which rows are re-read and how they are patched in.
import { describe, expect, it } from 'vitest';
import { affectedQuery, patchAnswer, withValues } from './refresh';
import { header, sampleAnswer, trees, accounts } from './testData';
import type { GridQuery } from './types';

const query: GridQuery = {
  rows: [{ dimension: 'account', descendants_of: 'NI', include_parent: 'before' }],
  columns: [{ dimension: 'time', members: ['JAN', 'FEB', 'MAR', 'Q1'] }],
  filters: { entity: 'E1', version: 'budget' },
};

describe('affectedQuery', () => {
  it('re-reads the written rows, their shown ancestors and the calculated accounts, with the same columns', () => {
    const answer = sampleAnswer();
    const partial = affectedQuery(query, answer, [2], trees); // Sales
    expect(partial).toEqual({ ...query, rows: [{ dimension: 'account', members: ['SALES', 'REV', 'NI', 'MARGIN'] }] });
  });

  it('reads the whole grid again when the affected rows are most of it', () => {
    expect(affectedQuery(query, sampleAnswer(), [2, 3, 5, 6], trees)).toBeNull();
  });
});

describe('patchAnswer', () => {
  it('writes the re-read rows over the grid by their members', () => {
    const full = sampleAnswer();
    const partial = {
      ...full,
      data_version: 8,
      rows: { dimensions: ['account'], headers: [[header(accounts, 'REV')], [header(accounts, 'SALES')]] },
      values: [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ],
      editable: [
        [false, false, false, false],
        [true, true, false, false],
      ],
      row_versions: [
        [null, null, null, null],
        [4, 3, null, null],
      ],
    };
    const patched = patchAnswer(full, partial);
    expect(patched.values[1]).toEqual([1, 2, 3, 4]);
    expect(patched.values[2]).toEqual([5, 6, 7, 8]);
    expect(patched.values[0]).toEqual(full.values[0]);
    expect(patched.row_versions[2]).toEqual([4, 3, null, null]);
    expect(patched.data_version).toBe(8);
    expect(full.values[1]).not.toEqual([1, 2, 3, 4]); // the old answer is left as it was
  });

  it('ignores a partial answer whose columns differ', () => {
    const full = sampleAnswer();
    const other = { ...full, columns: { ...full.columns, headers: full.columns.headers.slice(1) } };
    expect(patchAnswer(full, other)).toBe(full);
  });
});

describe('withValues', () => {
  it('sets the typed values ahead of the server without touching the old answer', () => {
    const full = sampleAnswer();
    const next = withValues(full, [{ row: 2, source: 0, value: 999 }]);
    expect(next.values[2]![0]).toBe(999);
    expect(full.values[2]![0]).toBe(100);
  });
});
