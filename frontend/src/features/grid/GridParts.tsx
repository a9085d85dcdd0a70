// The grid's rendered parts: sizes, the sticky column headers, and one row (row headers with expand toggles,
// then the visible cells with their selection, read-only reason, held mark, comment marker and variance colour).
import { memo, type ReactNode } from 'react';
import type { VirtualItem } from '@tanstack/react-virtual';
import { commentCount, commentLabel } from './comments';
import type { Trees } from './layout';
import {
  cellValue,
  coordinateKey,
  coordinateOf,
  favourableOf,
  formatOf,
  keyOf,
  reasonOf,
  reasonText,
  type GridModel,
} from './model';
import { formatPercent, formatValue } from './numbers';
import { inRect, type Rect } from './selection';

/** A column's identity for tests and tools: its members' codes, and the kind for variance columns. */
export function columnKey(model: GridModel, col: number): string {
  const column = model.columns[col];
  if (!column) return '';
  return column.kind === 'value' ? keyOf(column.headers) : `${keyOf(column.headers)}#${column.kind}`;
}

export interface GridSizes {
  rowHeight: number;
  headerRows: number;
  headerHeight: number;
  rowHeaderWidth: number;
  rowHeaderWidths: number[];
  columnWidth: (col: number) => number;
  /** Left edge of each column (after the row headers), and the total width after the last. */
  columnStarts: number[];
}

const ROW_HEIGHT = 28;
const WIDTHS = { value: 112, variance: 100, percent: 80 };

export function sizes(model: GridModel): GridSizes {
  const rowHeaderWidths = model.rowDimensions.map((_, i) => (i === 0 ? 260 : 180));
  const headerRows = Math.max(model.columnDimensions.length, 1);
  const rowHeaderWidth = rowHeaderWidths.reduce((a, b) => a + b, 0);
  const columnWidth = (col: number) => WIDTHS[model.columns[col]?.kind ?? 'value'];
  const columnStarts = [rowHeaderWidth];
  model.columns.forEach((_, col) => columnStarts.push(columnStarts[col]! + columnWidth(col)));
  const headerHeight = headerRows * ROW_HEIGHT;
  return { rowHeight: ROW_HEIGHT, headerRows, headerHeight, rowHeaderWidths, rowHeaderWidth, columnWidth, columnStarts };
}

interface HeaderProps {
  model: GridModel;
  /** Dimension code → name, for the corner headers. */
  names: Record<string, string>;
  layout: GridSizes;
  columns: VirtualItem[];
  width: number;
}

export function GridHeader({ model, names, layout, columns, width }: HeaderProps) {
  const levels = Math.max(model.columnDimensions.length, 1);
  return (
    <div role="rowgroup" className="pg-head" style={{ height: layout.headerHeight, width }}>
      {Array.from({ length: levels }, (_, level) => (
        <div role="row" aria-rowindex={level + 1} key={level} className="pg-row" style={{ top: level * layout.rowHeight, width }}>
          <div role="presentation" className="pg-rowheads" style={{ width: layout.rowHeaderWidth }}>
            {model.rowDimensions.map((dimension, i) => (
              <div
                key={dimension}
                role="columnheader"
                aria-colindex={i + 1}
                className="pg-corner"
                style={{ width: layout.rowHeaderWidths[i] }}
              >
                {level === levels - 1 ? (names[dimension] ?? dimension) : ''}
              </div>
            ))}
          </div>
          {columns.map((vc) => {
            const column = model.columns[vc.index]!;
            const header = column.headers[level];
            const label = header
              ? header.name
              : column.kind === 'variance'
                ? 'Δ'
                : column.kind === 'percent'
                  ? 'Δ %'
                  : '';
            const title = header ? `${header.name} (${header.code})` : column.kind === 'variance' ? 'Variance' : 'Variance %';
            return (
              <div
                key={vc.index}
                role="columnheader"
                aria-colindex={model.rowDimensions.length + vc.index + 1}
                className={`pg-colhead pg-kind-${column.kind}${header?.has_children ? ' is-total' : ''}`}
                style={{ left: vc.start, width: vc.size }}
                title={title}
                data-col-key={columnKey(model, vc.index)}
              >
                {label}
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}

interface RowProps {
  model: GridModel;
  trees: Trees;
  layout: GridSizes;
  row: number;
  top: number;
  width: number;
  /** The visible columns, first to last. */
  firstCol: number;
  lastCol: number;
  locale: string;
  /** The selection, when it touches this row (null otherwise, so other rows need not re-render). */
  rect: Rect | null;
  /** The cursor's column when it is on this row, else -1. */
  focusCol: number;
  held: ReadonlySet<string>;
  expanded: Record<string, ReadonlySet<string>>;
  idPrefix: string;
  editor: ReactNode;
  editingCol: number;
  onToggleExpand: (dimension: string, code: string) => void;
}

/** The id of a cell's element, for aria-activedescendant. */
export function cellId(prefix: string, row: number, col: number): string {
  return `${prefix}-c${row}-${col}`;
}

/** One row; it re-renders only when its own props change (scrolling renders just the rows coming into view). */
export const GridRow = memo(function GridRow(props: RowProps) {
  const { model, layout, row, rect } = props;
  const headers = model.answer.rows.headers[row] ?? [];
  const rowKey = keyOf(headers);
  const isTotalRow = headers.some((h) => h.has_children);
  return (
    <div
      role="row"
      aria-rowindex={layout.headerRows + row + 1}
      className={`pg-row${isTotalRow ? ' is-total' : ''}`}
      style={{ top: props.top, width: props.width }}
      data-row-key={rowKey}
    >
      <div role="presentation" className="pg-rowheads" style={{ width: layout.rowHeaderWidth }}>
        {headers.map((header, i) => {
          const dimension = model.rowDimensions[i]!;
          const open = props.expanded[dimension]?.has(header.code) ?? false;
          return (
            <div
              key={dimension}
              role="rowheader"
              aria-colindex={i + 1}
              className="pg-rowhead"
              style={{ width: layout.rowHeaderWidths[i], paddingLeft: 6 + header.level * 14 }}
              title={`${header.name} (${header.code})`}
            >
              {header.has_children ? (
                <button
                  type="button"
                  tabIndex={-1}
                  className="pg-toggle"
                  aria-expanded={open}
                  aria-label={`${open ? 'Collapse' : 'Expand'} ${header.name}`}
                  onMouseDown={(e) => e.stopPropagation()}
                  onClick={() => props.onToggleExpand(dimension, header.code)}
                >
                  {open ? '▾' : '▸'}
                </button>
              ) : (
                <span className="pg-toggle-space" />
              )}
              <span className="pg-name">{header.name}</span>
            </div>
          );
        })}
      </div>
      {range(props.firstCol, props.lastCol).map((col) => {
        const column = model.columns[col]!;
        const value = cellValue(model, row, col);
        const reason = reasonOf(model, row, col, props.trees);
        const selected = rect !== null && inRect(rect, row, col);
        const isFocus = props.focusCol === col;
        const coordinate = props.held.size && column.kind === 'value' ? coordinateOf(model, row, col) : null;
        const held = coordinate !== null && props.held.has(coordinateKey(coordinate));
        const favourable = column.kind === 'value' ? null : favourableOf(model, row, col);
        const comments = column.kind === 'value' ? commentCount(model.answer, row, column.source) : 0;
        const classes = [
          'pg-cell',
          `pg-kind-${column.kind}`,
          reason ? `is-readonly reason-${reason}` : 'is-editable',
          selected ? 'is-selected' : '',
          isFocus ? 'is-focus' : '',
          held ? 'is-held' : '',
          comments ? 'has-comments' : '',
          favourable === true ? 'is-favourable' : favourable === false ? 'is-unfavourable' : '',
          value !== null && value < 0 ? 'is-negative' : '',
        ];
        const text =
          column.kind === 'percent'
            ? formatPercent(value, props.locale)
            : formatValue(value, props.locale, formatOf(model, row, col, props.trees));
        return (
          <div
            key={col}
            id={cellId(props.idPrefix, row, col)}
            role="gridcell"
            aria-colindex={model.rowDimensions.length + col + 1}
            aria-selected={selected}
            aria-readonly={reason ? true : undefined}
            className={classes.join(' ')}
            style={{ left: layout.columnStarts[col], width: layout.columnWidth(col) }}
            title={reason ? reasonText(reason) : held ? 'Held: a spread keeps this value.' : undefined}
            data-row={row}
            data-col={col}
            data-reason={reason ?? undefined}
            data-col-key={columnKey(model, col)}
          >
            {props.editingCol === col ? props.editor : text}
            {comments > 0 && (
              <span className="pg-comments" role="img" aria-label={commentLabel(comments)} title={commentLabel(comments)} />
            )}
          </div>
        );
      })}
    </div>
  );
});

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}
