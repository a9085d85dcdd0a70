import { describe, expect, it } from 'vitest';
import { changeKind, countByKind, delta, diffDimensions, type DiffCell } from './diff';

describe('diff cells', () => {
  const cells: DiffCell[] = [
    { coordinate: { account: 'SALES', time: '2026-01' }, before: null, after: 5 },
    { coordinate: { account: 'RENT', time: '2026-01' }, before: 3, after: null },
    { coordinate: { account: 'WAGES', entity: 'E1' }, before: 2, after: 7 },
  ];

  it('tells added, removed and changed cells apart and measures the change', () => {
    expect(cells.map(changeKind)).toEqual(['added', 'removed', 'changed']);
    expect(cells.map(delta)).toEqual([5, -3, 5]);
    expect(countByKind(cells)).toEqual({ added: 1, removed: 1, changed: 1 });
  });

  it('lists the dimensions the cells name, in first-seen order', () => {
    expect(diffDimensions(cells)).toEqual(['account', 'time', 'entity']);
  });
});
