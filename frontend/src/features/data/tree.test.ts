import { describe, expect, it } from 'vitest';
import { describeSlice, sliceFromTexts, splitCodes, treeRows } from './tree';

describe('treeRows', () => {
  it('orders parents before children by sort then code, with depth, leaves and ancestors', () => {
    const rows = treeRows([
      { code: 'E2', name: 'East two', parent: 'EAST', sort: 2 },
      { code: 'WORLD', name: 'World', parent: null },
      { code: 'E1', name: 'East one', parent: 'EAST', sort: 1 },
      { code: 'EAST', name: 'East', parent: 'WORLD' },
      { code: 'ORPHAN', name: 'Orphan', parent: 'HIDDEN' },
    ]);
    expect(rows.map((r) => [r.member.code, r.depth, r.leaf, r.ancestors.join('/')])).toEqual([
      ['ORPHAN', 0, true, ''],
      ['WORLD', 0, false, ''],
      ['EAST', 1, false, 'WORLD'],
      ['E1', 2, true, 'EAST/WORLD'],
      ['E2', 2, true, 'EAST/WORLD'],
    ]);
  });

  it('survives a cycle', () => {
    const rows = treeRows([
      { code: 'A', name: 'A', parent: 'B' },
      { code: 'B', name: 'B', parent: 'A' },
      { code: 'C', name: 'C' },
    ]);
    expect(rows.map((r) => r.member.code)).toEqual(['C']);
  });
});

describe('slices', () => {
  it('splits codes and leaves empty dimensions out', () => {
    expect(splitCodes(' a, b;c  d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(sliceFromTexts({ time: '2026-01, 2026-02, 2026-01', entity: '  ' })).toEqual({ time: ['2026-01', '2026-02'] });
    expect(describeSlice({ time: ['2026-01'] })).toBe('time: 2026-01');
    expect(describeSlice({})).toBe('everything');
  });
});
