// The slice an export reads: one dimension on rows, one on columns (each a member and what to show of it), one
// member for each other dimension; and the grid query the API takes for it.
import type { GridQuery, Member } from './dataApi';
import type { CubeDimension } from './mapping';
import { treeRows } from './tree';

export type Show = 'descendants' | 'children' | 'leaves' | 'member';

export interface AxisChoice {
  dimension: string;
  member: string;
  show: Show;
}

export interface ExportLayout {
  rows: AxisChoice;
  columns: AxisChoice;
  filters: Record<string, string>;
}

export type Selection = GridQuery['rows'][number];

export function selectionOf(choice: AxisChoice): Selection {
  const { dimension, member } = choice;
  switch (choice.show) {
    case 'descendants':
      return { dimension, descendants_of: member, include_parent: 'before' };
    case 'children':
      return { dimension, children_of: member, include_parent: 'before' };
    case 'leaves':
      return { dimension, leaves_of: member };
    default:
      return { dimension, members: [member] };
  }
}

export function exportQuery(layout: ExportLayout): GridQuery {
  const filters: Record<string, string> = {};
  for (const [dimension, member] of Object.entries(layout.filters)) {
    if (dimension !== layout.rows.dimension && dimension !== layout.columns.dimension && member) filters[dimension] = member;
  }
  return { rows: [selectionOf(layout.rows)], columns: [selectionOf(layout.columns)], filters };
}

/** The first root of a dimension's visible members (the top of its tree). */
export function topMember(members: Member[]): string {
  return treeRows(members)[0]?.member.code ?? '';
}

/** The member a filter starts on: the budget version, or the top member. */
export function defaultFilterMember(dimension: CubeDimension, members: Member[]): string {
  if (dimension.kind === 'version') {
    const budget = members.find((m) => m.version_kind === 'budget');
    if (budget) return budget.code;
  }
  return topMember(members);
}

/** Accounts (or the first other dimension) on rows with everything below, months of the first year on columns,
 * the rest as filters. */
export function defaultLayout(dimensions: CubeDimension[], members: Record<string, Member[]>): ExportLayout | null {
  const time = dimensions.find((d) => d.kind === 'time');
  const rowDimension =
    dimensions.find((d) => d.kind === 'account') ?? dimensions.find((d) => d.kind !== 'time' && d.kind !== 'version');
  const columnDimension = time && time !== rowDimension ? time : dimensions.find((d) => d !== rowDimension);
  if (!rowDimension || !columnDimension) return null;
  const filters: Record<string, string> = {};
  for (const d of dimensions) {
    if (d !== rowDimension && d !== columnDimension) filters[d.code] = defaultFilterMember(d, members[d.code] ?? []);
  }
  return {
    rows: { dimension: rowDimension.code, member: topMember(members[rowDimension.code] ?? []), show: 'descendants' },
    columns: {
      dimension: columnDimension.code,
      member: topMember(members[columnDimension.code] ?? []),
      show: columnDimension.kind === 'time' ? 'leaves' : 'children',
    },
    filters,
  };
}

/** Moves a dimension onto an axis; the dimension it replaces becomes a filter, and the moved one stops being one. */
export function placeOnAxis(
  layout: ExportLayout,
  axis: 'rows' | 'columns',
  dimension: string,
  dimensions: CubeDimension[],
  members: Record<string, Member[]>,
): ExportLayout {
  const other = axis === 'rows' ? 'columns' : 'rows';
  const current = layout[axis];
  if (current.dimension === dimension) return layout;
  const next: ExportLayout = { ...layout, filters: { ...layout.filters } };
  if (layout[other].dimension === dimension) {
    // Swap the two axes.
    next[other] = current;
    next[axis] = layout[other];
    return next;
  }
  delete next.filters[dimension];
  const replaced = dimensions.find((d) => d.code === current.dimension);
  if (replaced) next.filters[replaced.code] = defaultFilterMember(replaced, members[replaced.code] ?? []);
  next[axis] = { dimension, member: topMember(members[dimension] ?? []), show: 'descendants' };
  return next;
}
