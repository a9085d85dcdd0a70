// Unit tests for the keyboard model: key → command, command → new selection, and how edits end.
import { describe, expect, it } from 'vitest';
import { applyMove, commandFor, editEndFor, type KeyInput } from './keyboard';
import { collapsed } from './selection';

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});
const size = { rows: 20, cols: 6 };
const at = (row: number, col: number) => collapsed({ row, col });

describe('commandFor', () => {
  it.each([
    [key('ArrowDown'), { type: 'move', rows: 1, cols: 0, extend: false, toEdge: false }],
    [key('ArrowLeft', { shiftKey: true }), { type: 'move', rows: 0, cols: -1, extend: true, toEdge: false }],
    [key('ArrowRight', { ctrlKey: true }), { type: 'move', rows: 0, cols: 1, extend: false, toEdge: true }],
    [key('Tab', { shiftKey: true }), { type: 'tab', back: true }],
    [key('Enter'), { type: 'enter', back: false }],
    [key('F2'), { type: 'edit', initial: null }],
    [key('7'), { type: 'edit', initial: '7' }],
    [key('-'), { type: 'edit', initial: '-' }],
    [key('Backspace'), { type: 'edit', initial: '' }],
    [key('Delete'), { type: 'clear' }],
    [key('z', { ctrlKey: true }), { type: 'undo' }],
    [key('z', { metaKey: true }), { type: 'undo' }],
    [key('a', { ctrlKey: true }), { type: 'selectAll' }],
    [key('h', { altKey: true }), { type: 'hold' }],
    [key('ArrowRight', { altKey: true }), { type: 'expand', open: true }],
    [key('ArrowLeft', { altKey: true }), { type: 'expand', open: false }],
    [key('PageDown', { shiftKey: true }), { type: 'page', direction: 1, extend: true }],
    [key('Home', { ctrlKey: true }), { type: 'home', extend: false, wholeGrid: true }],
  ])('maps %o', (input, command) => {
    expect(commandFor(input)).toEqual(command);
  });

  it('leaves clipboard shortcuts and other keys to the browser', () => {
    expect(commandFor(key('c', { ctrlKey: true }))).toBeNull();
    expect(commandFor(key('v', { metaKey: true }))).toBeNull();
    expect(commandFor(key('Shift', { shiftKey: true }))).toBeNull();
    expect(commandFor(key('Escape'))).toBeNull();
  });
});

describe('applyMove', () => {
  it('moves by arrows, to the edges with Ctrl, and by pages', () => {
    expect(applyMove(at(3, 3), commandFor(key('ArrowUp'))!, size, 10)!.focus).toEqual({ row: 2, col: 3 });
    expect(applyMove(at(3, 3), commandFor(key('ArrowDown', { ctrlKey: true }))!, size, 10)!.focus).toEqual({ row: 19, col: 3 });
    expect(applyMove(at(3, 3), commandFor(key('ArrowLeft', { ctrlKey: true }))!, size, 10)!.focus).toEqual({ row: 3, col: 0 });
    expect(applyMove(at(3, 3), commandFor(key('PageDown'))!, size, 10)!.focus).toEqual({ row: 13, col: 3 });
    expect(applyMove(at(15, 3), commandFor(key('PageDown'))!, size, 10)!.focus).toEqual({ row: 19, col: 3 });
    expect(applyMove(at(3, 3), commandFor(key('End'))!, size, 10)!.focus).toEqual({ row: 3, col: 5 });
    expect(applyMove(at(3, 3), commandFor(key('Home', { ctrlKey: true }))!, size, 10)!.focus).toEqual({ row: 0, col: 0 });
  });

  it('extends the range with Shift and keeps the anchor', () => {
    const once = applyMove(at(3, 3), commandFor(key('ArrowDown', { shiftKey: true }))!, size, 10)!;
    const twice = applyMove(once, commandFor(key('ArrowRight', { shiftKey: true }))!, size, 10)!;
    expect(twice).toEqual({ anchor: { row: 3, col: 3 }, focus: { row: 4, col: 4 } });
    expect(applyMove(twice, commandFor(key('ArrowUp'))!, size, 10)).toEqual(at(3, 4));
  });

  it('tabs along the row, wraps to the next one, and lets focus leave after the last cell', () => {
    expect(applyMove(at(2, 4), commandFor(key('Tab'))!, size, 10)!.focus).toEqual({ row: 2, col: 5 });
    expect(applyMove(at(2, 5), commandFor(key('Tab'))!, size, 10)!.focus).toEqual({ row: 3, col: 0 });
    expect(applyMove(at(2, 0), commandFor(key('Tab', { shiftKey: true }))!, size, 10)!.focus).toEqual({ row: 1, col: 5 });
    expect(applyMove(at(19, 5), commandFor(key('Tab'))!, size, 10)).toBeNull();
    expect(applyMove(at(0, 0), commandFor(key('Tab', { shiftKey: true }))!, size, 10)).toBeNull();
  });

  it('moves down on Enter and up on Shift+Enter, and selects everything on Ctrl+A', () => {
    expect(applyMove(at(2, 2), commandFor(key('Enter'))!, size, 10)!.focus).toEqual({ row: 3, col: 2 });
    expect(applyMove(at(2, 2), commandFor(key('Enter', { shiftKey: true }))!, size, 10)!.focus).toEqual({ row: 1, col: 2 });
    expect(applyMove(at(2, 2), commandFor(key('a', { ctrlKey: true }))!, size, 10)).toEqual({
      anchor: { row: 0, col: 0 },
      focus: { row: 19, col: 5 },
    });
  });
});

describe('editEndFor', () => {
  it('commits with Enter and Tab, cancels with Escape', () => {
    expect(editEndFor(key('Enter'), 'editing')).toEqual({ type: 'commit', rows: 1, cols: 0 });
    expect(editEndFor(key('Enter', { shiftKey: true }), 'editing')).toEqual({ type: 'commit', rows: -1, cols: 0 });
    expect(editEndFor(key('Tab'), 'editing')).toEqual({ type: 'commit', rows: 0, cols: 1 });
    expect(editEndFor(key('Escape'), 'typing')).toEqual({ type: 'cancel' });
  });

  it('commits and moves on arrows only when the edit began by typing (F2 keeps arrows for the caret)', () => {
    expect(editEndFor(key('ArrowRight'), 'typing')).toEqual({ type: 'commit', rows: 0, cols: 1 });
    expect(editEndFor(key('ArrowRight'), 'editing')).toBeNull();
    expect(editEndFor(key('5'), 'typing')).toBeNull();
  });
});
