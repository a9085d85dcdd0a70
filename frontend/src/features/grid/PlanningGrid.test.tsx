// Component tests for the grid: ARIA semantics, keyboard navigation and editing, clipboard, undo and holds.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { buildModel } from './model';
import { PlanningGrid, type PlanningGridProps } from './PlanningGrid';
import { sampleAnswer, trees } from './testData';

// jsdom lays nothing out: give the scroll box a size so the virtualiser renders rows.
const sizes = { clientHeight: 600, clientWidth: 1200, offsetHeight: 600, offsetWidth: 1200 };
const saved = new Map<string, PropertyDescriptor | undefined>();
beforeAll(() => {
  for (const [name, value] of Object.entries(sizes)) {
    saved.set(name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name));
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
  }
});
afterAll(() => {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  }
});

function setup(overrides: Partial<PlanningGridProps> = {}) {
  const props: PlanningGridProps = {
    model: buildModel(sampleAnswer()),
    trees,
    locale: 'en-US',
    label: 'P&L grid',
    dimensionNames: { account: 'Account', time: 'Time' },
    held: new Set(),
    expanded: { account: new Set(['NI', 'REV', 'COST']) },
    onWrite: vi.fn(),
    onSpreadRequest: vi.fn(),
    onUndo: vi.fn(),
    onToggleHold: vi.fn(),
    onFocusCell: vi.fn(),
    onToggleExpand: vi.fn(),
    onMessage: vi.fn(),
    ...overrides,
  };
  render(<PlanningGrid {...props} />);
  const grid = screen.getByRole('grid', { name: 'P&L grid' });
  return { props, grid };
}

/** The cell of an account row and a period column. */
function cell(grid: HTMLElement, account: string, period: string): HTMLElement {
  const row = grid.querySelector(`[data-row-key="${account}"]`) as HTMLElement;
  return row.querySelector(`[data-col-key="${period}"]`) as HTMLElement;
}

const key = (grid: HTMLElement, k: string, mods: Record<string, boolean> = {}) => fireEvent.keyDown(grid, { key: k, ...mods });

function clipboard(grid: HTMLElement, type: 'copy' | 'paste', text = '') {
  const data = new Map<string, string>([['text/plain', text]]);
  const clipboardData = { getData: (t: string) => data.get(t) ?? '', setData: (t: string, v: string) => void data.set(t, v) };
  const event = new Event(type, { bubbles: true, cancelable: true });
  Object.assign(event, { clipboardData });
  act(() => void grid.dispatchEvent(event));
  return data.get('text/plain');
}

describe('PlanningGrid', () => {
  it('exposes grid semantics: rows, row and column headers, selected and read-only cells', () => {
    const { grid } = setup();
    expect(grid.getAttribute('aria-rowcount')).toBe('9'); // a header row and 8 rows
    expect(grid.getAttribute('aria-colcount')).toBe('5');
    expect(within(grid).getByRole('rowheader', { name: /Sales/ })).toBeTruthy();
    expect(within(grid).getByRole('columnheader', { name: 'Jan' })).toBeTruthy();
    expect(within(grid).getByRole('button', { name: 'Collapse Rev' }).getAttribute('aria-expanded')).toBe('true');
    const total = cell(grid, 'REV', 'JAN');
    expect(total.getAttribute('aria-readonly')).toBe('true');
    expect(total.title).toMatch(/^Total of the cells below it/);
    expect(cell(grid, 'SALES', 'MAR').title).toMatch(/^Locked period/);
    expect(cell(grid, 'MARGIN', 'JAN').title).toMatch(/^Calculated/);
    expect(cell(grid, 'SALES', 'JAN').getAttribute('aria-readonly')).toBeNull();
    expect(cell(grid, 'NI', 'JAN').getAttribute('aria-selected')).toBe('true');
    expect(cell(grid, 'SALES', 'JAN').textContent).toBe('100');
    expect(grid.getAttribute('aria-activedescendant')).toBe(cell(grid, 'NI', 'JAN').id);
  });

  it('moves with arrows and Tab, and extends the selection with Shift', () => {
    const { grid, props } = setup();
    key(grid, 'ArrowDown');
    key(grid, 'ArrowDown');
    key(grid, 'Tab');
    expect(grid.getAttribute('aria-activedescendant')).toBe(cell(grid, 'SALES', 'FEB').id);
    expect(props.onFocusCell).toHaveBeenLastCalledWith({ row: 2, col: 1 });
    key(grid, 'ArrowDown', { shiftKey: true });
    key(grid, 'ArrowLeft', { shiftKey: true });
    const selected = grid.querySelectorAll('[role="gridcell"][aria-selected="true"]');
    expect([...selected].map((c) => c.id)).toEqual(
      [cell(grid, 'SALES', 'JAN'), cell(grid, 'SALES', 'FEB'), cell(grid, 'DISC', 'JAN'), cell(grid, 'DISC', 'FEB')].map((c) => c.id),
    );
  });

  it('edits a leaf by typing: Enter writes the parsed number and moves down, Escape cancels', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0 });
    key(grid, '1');
    const editor = screen.getByRole('textbox', { name: 'Cell value' }) as HTMLInputElement;
    fireEvent.change(editor, { target: { value: '1,250.5' } });
    fireEvent.keyDown(editor, { key: 'Enter' });
    expect(props.onWrite).toHaveBeenCalledWith([{ row: 2, col: 0, value: 1250.5 }], 'Edit');
    expect(grid.getAttribute('aria-activedescendant')).toBe(cell(grid, 'DISC', 'JAN').id);

    key(grid, 'F2');
    const again = screen.getByRole('textbox', { name: 'Cell value' }) as HTMLInputElement;
    expect(again.value).toBe('10'); // F2 edits the current value
    fireEvent.change(again, { target: { value: '77' } });
    fireEvent.keyDown(again, { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Cell value' })).toBeNull();
    expect(props.onWrite).toHaveBeenCalledTimes(1);
  });

  it('keeps editing and says so when the text is not a number', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0 });
    key(grid, 'x');
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Cell value' }), { key: 'Enter' });
    expect(props.onWrite).not.toHaveBeenCalled();
    expect(props.onMessage).toHaveBeenCalledWith(expect.stringContaining('“x” is not a number'), 'error');
    expect(screen.getByRole('textbox', { name: 'Cell value' })).toBeTruthy();
  });

  it('asks for a spread when typing at a total, and explains a locked cell instead of editing it', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'REV', 'JAN'), { button: 0 });
    key(grid, '5');
    expect(props.onSpreadRequest).toHaveBeenCalledWith({ row: 1, col: 0 }, '5');
    fireEvent.mouseDown(cell(grid, 'SALES', 'MAR'), { button: 0 });
    key(grid, '5');
    expect(props.onMessage).toHaveBeenCalledWith(expect.stringContaining('Locked period'), 'error');
    expect(screen.queryByRole('textbox')).toBeNull();
  });

  it('pastes a block at the cursor as one batch, leaving read-only cells alone', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0 });
    clipboard(grid, 'paste', '1\t2\t3\r\n4\t5\t6\r\n');
    expect(props.onWrite).toHaveBeenCalledTimes(1);
    const [writes, label] = (props.onWrite as ReturnType<typeof vi.fn>).mock.calls[0]!;
    expect(writes).toEqual([
      { row: 2, col: 0, value: 1 },
      { row: 2, col: 1, value: 2 },
      { row: 3, col: 0, value: 4 },
      { row: 3, col: 1, value: 5 },
    ]);
    expect(label).toBe('Pasted 4 cells; 2 read-only cells left unchanged.');
  });

  it('refuses a paste with text that is not a number, writing nothing', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0 });
    clipboard(grid, 'paste', '1\tabc');
    expect(props.onWrite).not.toHaveBeenCalled();
    expect(props.onMessage).toHaveBeenCalledWith(expect.stringContaining('“abc” is not a number'), 'error');
  });

  it('copies the selected range as tab-separated plain numbers', () => {
    const { grid } = setup();
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0 });
    fireEvent.mouseDown(cell(grid, 'DISC', 'Q1'), { button: 0, shiftKey: true });
    expect(clipboard(grid, 'copy')).toBe('100\t100\t100\t300\r\n10\t10\t10\t30');
  });

  it('cuts: copies the range, then empties its editable cells', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'REV', 'JAN'), { button: 0 });
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0, shiftKey: true });
    const event = new Event('cut', { bubbles: true, cancelable: true });
    const data = new Map<string, string>();
    Object.assign(event, { clipboardData: { setData: (t: string, v: string) => void data.set(t, v), getData: () => '' } });
    act(() => void grid.dispatchEvent(event));
    expect(data.get('text/plain')).toBe('90\r\n100');
    expect(props.onWrite).toHaveBeenCalledWith([{ row: 2, col: 0, value: null }], 'Cleared 1 cell');
  });

  it('clears, undoes, holds and expands from the keyboard', () => {
    const { grid, props } = setup();
    fireEvent.mouseDown(cell(grid, 'SALES', 'JAN'), { button: 0 });
    fireEvent.mouseDown(cell(grid, 'DISC', 'JAN'), { button: 0, shiftKey: true });
    key(grid, 'Delete');
    expect(props.onWrite).toHaveBeenCalledWith(
      [
        { row: 2, col: 0, value: null },
        { row: 3, col: 0, value: null },
      ],
      'Cleared 2 cells',
    );
    key(grid, 'z', { ctrlKey: true });
    expect(props.onUndo).toHaveBeenCalledTimes(1);
    key(grid, 'h', { altKey: true });
    expect(props.onToggleHold).toHaveBeenCalledWith([
      { row: 2, col: 0 },
      { row: 3, col: 0 },
    ]);
    fireEvent.mouseDown(cell(grid, 'REV', 'JAN'), { button: 0 });
    key(grid, 'ArrowLeft', { altKey: true });
    expect(props.onToggleExpand).toHaveBeenCalledWith('account', 'REV');
  });

  it('marks held cells', () => {
    const { grid } = setup({ held: new Set(['account=SALES\u0001entity=E1\u0001time=JAN\u0001version=budget']) });
    expect(cell(grid, 'SALES', 'JAN').className).toContain('is-held');
    expect(cell(grid, 'SALES', 'FEB').className).not.toContain('is-held');
  });
});
