// Unit tests for undo: what a batch remembers and the write that takes it back.
import { describe, expect, it } from 'vitest';
import { peekUndo, popUndo, pushUndo, undoWrites, type UndoEntry } from './undo';

const entry = (label: string, before: number | null, after: number | null): UndoEntry => ({
  label,
  cells: [{ coordinate: { account: 'SALES', time: 'JAN' }, before, after, rowVersion: 4 }],
});

describe('undo', () => {
  it('writes back the previous values with the row versions the write left', () => {
    const stack = pushUndo([], {
      label: 'Paste',
      cells: [
        { coordinate: { account: 'SALES' }, before: 10, after: 12, rowVersion: 5 },
        { coordinate: { account: 'RENT' }, before: null, after: 3, rowVersion: 1 },
      ],
    });
    expect(undoWrites(peekUndo(stack)!)).toEqual([
      { coordinate: { account: 'SALES' }, value: 10, row_version: 5 },
      { coordinate: { account: 'RENT' }, value: null, row_version: 1 },
    ]);
  });

  it('undoes the newest batch first, skips no-op writes and keeps a bounded history', () => {
    let stack = pushUndo([], entry('first', 1, 2));
    stack = pushUndo(stack, entry('unchanged', 5, 5));
    stack = pushUndo(stack, entry('second', 2, 3));
    expect(stack.map((e) => e.label)).toEqual(['first', 'second']);
    expect(peekUndo(stack)!.label).toBe('second');
    expect(peekUndo(popUndo(stack))!.label).toBe('first');
    expect(peekUndo(popUndo(popUndo(stack)))).toBeNull();
    let long: UndoEntry[] = [];
    for (let i = 0; i < 60; i++) long = pushUndo(long, entry(`e${i}`, i, i + 1), 50);
    expect(long).toHaveLength(50);
    expect(long[0]!.label).toBe('e10');
  });
});
