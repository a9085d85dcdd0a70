// The planning grid: a virtualised spreadsheet over a grid answer, with keyboard navigation, range selection,
// in-cell editing, copy and paste with spreadsheets, undo and held cells. Data changes go out through callbacks.
import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ClipboardEvent,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { applyMove, commandFor, editEndFor, type GridCommand } from './keyboard';
import type { Trees } from './layout';
import { cellValue, coordinateKey, coordinateOf, isEditable, reasonOf, reasonText, type GridModel } from './model';
import { parseNumber, plainNumber } from './numbers';
import { pasteSummary, planPaste, type PlannedWrite } from './paste';
import { cellsOf, collapsed, fitSelection, moveFocus, rectOf, type CellPosition, type GridSelection } from './selection';
import { formatTsv, parseTsv } from './tsv';
import { cellId as cellIdOf, GridHeader, GridRow, sizes } from './GridParts';

export interface PlanningGridProps {
  model: GridModel;
  trees: Trees;
  locale: string;
  label: string;
  /** Dimension code → name, for the corner headers. */
  dimensionNames: Record<string, string>;
  /** Coordinate keys of held cells (kept by a spread). */
  held: ReadonlySet<string>;
  /** Expanded members of each row dimension. */
  expanded: Record<string, ReadonlySet<string>>;
  onWrite: (writes: PlannedWrite[], label: string) => void;
  onSpreadRequest: (cell: CellPosition, text: string) => void;
  onUndo: () => void;
  onToggleHold: (cells: CellPosition[]) => void;
  onFocusCell: (cell: CellPosition) => void;
  onToggleExpand: (dimension: string, code: string) => void;
  onMessage: (text: string, kind: 'info' | 'error') => void;
}

interface Editing extends CellPosition {
  text: string;
  mode: 'typing' | 'editing';
}

export function PlanningGrid(props: PlanningGridProps) {
  const { model, trees, locale, onWrite, onMessage, onFocusCell } = props;
  const id = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const editingRef = useRef<Editing | null>(null);
  const dragging = useRef(false);
  const [selection, setSelection] = useState<GridSelection>(collapsed({ row: 0, col: 0 }));
  const [editing, setEditingState] = useState<Editing | null>(null);
  const size = { rows: model.rowCount, cols: model.columns.length };
  const layout = useMemo(() => sizes(model), [model]);

  const setEditing = (next: Editing | null) => {
    editingRef.current = next;
    setEditingState(next);
  };

  const rows = useVirtualizer({
    count: size.rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => layout.rowHeight,
    overscan: 6,
    paddingStart: layout.headerHeight,
    scrollPaddingStart: layout.headerHeight,
    initialRect: { width: 1200, height: 600 },
  });
  const columns = useVirtualizer({
    horizontal: true,
    count: size.cols,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => layout.columnWidth(i),
    overscan: 2,
    paddingStart: layout.rowHeaderWidth,
    scrollPaddingStart: layout.rowHeaderWidth,
    initialRect: { width: 1200, height: 600 },
  });
  useEffect(() => columns.measure(), [model.columns.length, layout.rowHeaderWidth, columns]);

  // A re-read grid may be smaller: keep the cursor inside it.
  const fitted = fitSelection(selection, size);
  if (fitted !== selection) setSelection(fitted);
  const { focus } = selection;

  useEffect(() => {
    onFocusCell(focus);
  }, [focus.row, focus.col, onFocusCell]);

  const reveal = useCallback(
    (cell: CellPosition) => {
      rows.scrollToIndex(cell.row, { align: 'auto' });
      columns.scrollToIndex(cell.col, { align: 'auto' });
    },
    [rows, columns],
  );

  const focusGrid = () => scrollRef.current?.focus({ preventScroll: true });

  const startEdit = (cell: CellPosition, initial: string | null) => {
    const reason = reasonOf(model, cell.row, cell.col, trees);
    const current = plainNumber(cellValue(model, cell.row, cell.col), locale);
    if (reason === null) setEditing({ ...cell, text: initial ?? current, mode: initial === null ? 'editing' : 'typing' });
    else if (reason === 'total') props.onSpreadRequest(cell, initial ?? current);
    else onMessage(`This cell is read-only. ${reasonText(reason)}`, 'error');
  };

  const commitEdit = (move: { rows: number; cols: number } | null) => {
    const edit = editingRef.current;
    if (!edit) return;
    const parsed = parseNumber(edit.text, locale);
    if (!parsed.ok) {
      onMessage(`“${edit.text}” is not a number. Type a number, or clear the text to empty the cell.`, 'error');
      return;
    }
    setEditing(null);
    if (parsed.value !== cellValue(model, edit.row, edit.col)) {
      onWrite([{ row: edit.row, col: edit.col, value: parsed.value }], 'Edit');
    }
    if (move) {
      const step: GridCommand = { type: 'move', rows: move.rows, cols: move.cols, extend: false, toEdge: false };
      const next = applyMove(collapsed(edit), step, size, 0);
      if (next) {
        setSelection(next);
        reveal(next.focus);
      }
    }
    focusGrid();
  };

  const cancelEdit = () => {
    setEditing(null);
    focusGrid();
  };

  const selectedCells = () => cellsOf(rectOf(selection));

  const run = (command: GridCommand): boolean => {
    switch (command.type) {
      case 'edit':
        startEdit(focus, command.initial);
        return true;
      case 'clear': {
        const writes = selectedCells()
          .filter((c) => isEditable(model, c.row, c.col) && cellValue(model, c.row, c.col) !== null)
          .map((c) => ({ ...c, value: null }));
        if (writes.length) onWrite(writes, `Cleared ${writes.length} cell${writes.length === 1 ? '' : 's'}`);
        return true;
      }
      case 'undo':
        props.onUndo();
        return true;
      case 'hold':
        props.onToggleHold(selectedCells());
        return true;
      case 'expand': {
        const headers = model.answer.rows.headers[focus.row] ?? [];
        const at = headers.findIndex((h) => h.has_children);
        if (at < 0) return true;
        const dimension = model.rowDimensions[at]!;
        const open = props.expanded[dimension]?.has(headers[at]!.code) ?? false;
        if (open !== command.open) props.onToggleExpand(dimension, headers[at]!.code);
        return true;
      }
      default: {
        const pageRows = Math.floor((scrollRef.current?.clientHeight ?? 600) / layout.rowHeight) - 2;
        const next = applyMove(selection, command, size, pageRows);
        if (!next) return false; // Tab past the last cell: let the browser move focus on
        setSelection(next);
        reveal(next.focus);
        return true;
      }
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (editingRef.current || e.target !== e.currentTarget) return;
    const command = commandFor(e);
    if (command && run(command)) e.preventDefault();
  };

  const onEditorKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const edit = editingRef.current;
    if (!edit) return;
    const end = editEndFor(e, edit.mode);
    if (!end) return;
    e.preventDefault();
    e.stopPropagation();
    if (end.type === 'cancel') cancelEdit();
    else commitEdit({ rows: end.rows, cols: end.cols });
  };

  const onCopy = (e: ClipboardEvent<HTMLDivElement>, cut = false) => {
    if (editingRef.current) return;
    e.preventDefault();
    const rect = rectOf(selection);
    const lines: string[][] = [];
    for (let row = rect.top; row <= rect.bottom; row++) {
      const line: string[] = [];
      for (let col = rect.left; col <= rect.right; col++) line.push(plainNumber(cellValue(model, row, col), locale));
      lines.push(line);
    }
    e.clipboardData.setData('text/plain', formatTsv(lines));
    if (cut) run({ type: 'clear' });
  };

  const onPaste = (e: ClipboardEvent<HTMLDivElement>) => {
    if (editingRef.current) return;
    e.preventDefault();
    const block = parseTsv(e.clipboardData.getData('text/plain'));
    const plan = planPaste(block, rectOf(selection), { ...size, editable: (r, c) => isEditable(model, r, c) }, (text) =>
      parseNumber(text, locale),
    );
    if (plan.errors.length) {
      onMessage(`Nothing was pasted. ${plan.errors.join(' ')}`, 'error');
      return;
    }
    if (!plan.writes.length) {
      onMessage('Nothing was pasted: the cells under the block are read-only.', 'error');
      return;
    }
    onWrite(plan.writes, pasteSummary(plan));
  };

  const cellAt = (target: EventTarget): CellPosition | null => {
    const element = (target as HTMLElement).closest?.('[data-row]');
    if (!element) return null;
    return { row: Number(element.getAttribute('data-row')), col: Number(element.getAttribute('data-col')) };
  };

  const onMouseDown = (e: MouseEvent<HTMLDivElement>) => {
    const cell = cellAt(e.target);
    if (!cell || e.button !== 0) return;
    if ((e.target as HTMLElement).closest('input')) return;
    e.preventDefault();
    if (editingRef.current) commitEdit(null);
    setSelection((s) => moveFocus(s, cell, size, e.shiftKey));
    dragging.current = true;
    focusGrid();
  };

  const onMouseMove = (e: MouseEvent<HTMLDivElement>) => {
    if (!dragging.current || !(e.buttons & 1)) {
      dragging.current = false;
      return;
    }
    const cell = cellAt(e.target);
    if (cell && (cell.row !== focus.row || cell.col !== focus.col)) setSelection((s) => moveFocus(s, cell, size, true));
  };

  const onDoubleClick = (e: MouseEvent<HTMLDivElement>) => {
    const cell = cellAt(e.target);
    if (cell && !(e.target as HTMLElement).closest('input')) startEdit(cell, null);
  };

  const rect = rectOf(selection);
  const virtualColumns = columns.getVirtualItems();
  const focusCoordinate = coordinateOf(model, focus.row, focus.col);
  const cellId = (row: number, col: number) => cellIdOf(id, row, col);
  const firstCol = virtualColumns[0]?.index ?? 0;
  const lastCol = virtualColumns[virtualColumns.length - 1]?.index ?? -1;

  return (
    <div
      ref={scrollRef}
      className="pg-scroll"
      role="grid"
      aria-label={props.label}
      aria-rowcount={size.rows + layout.headerRows}
      aria-colcount={size.cols + model.rowDimensions.length}
      aria-multiselectable="true"
      aria-activedescendant={editing ? undefined : cellId(focus.row, focus.col)}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onCopy={(e) => onCopy(e)}
      onCut={(e) => onCopy(e, true)}
      onPaste={onPaste}
      onMouseDown={onMouseDown}
      onMouseMove={onMouseMove}
      onMouseUp={() => (dragging.current = false)}
      onDoubleClick={onDoubleClick}
      data-focus-key={focusCoordinate ? coordinateKey(focusCoordinate) : undefined}
    >
      <div className="pg-canvas" style={{ height: rows.getTotalSize(), width: columns.getTotalSize() }}>
        <GridHeader
          model={model}
          names={props.dimensionNames}
          layout={layout}
          columns={virtualColumns}
          width={columns.getTotalSize()}
        />
        <div role="rowgroup">
          {rows.getVirtualItems().map((virtualRow) => (
            <GridRow
              key={virtualRow.index}
              model={model}
              trees={trees}
              layout={layout}
              row={virtualRow.index}
              top={virtualRow.start}
              width={columns.getTotalSize()}
              firstCol={firstCol}
              lastCol={lastCol}
              locale={locale}
              rect={virtualRow.index >= rect.top && virtualRow.index <= rect.bottom ? rect : null}
              focusCol={focus.row === virtualRow.index ? focus.col : -1}
              held={props.held}
              expanded={props.expanded}
              idPrefix={id}
              editor={
                editing && editing.row === virtualRow.index ? (
                  <input
                    className="pg-editor"
                    aria-label="Cell value"
                    value={editing.text}
                    autoFocus
                    onFocus={(e) => e.currentTarget.setSelectionRange(e.currentTarget.value.length, e.currentTarget.value.length)}
                    onChange={(e) => setEditing({ ...editing, text: e.target.value })}
                    onKeyDown={onEditorKeyDown}
                    onBlur={() => commitEdit(null)}
                  />
                ) : null
              }
              editingCol={editing && editing.row === virtualRow.index ? editing.col : -1}
              onToggleExpand={props.onToggleExpand}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
