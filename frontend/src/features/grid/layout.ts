// What the grid shows: which dimensions sit on rows, columns and filters, the members chosen and expanded on each
// axis, and an optional version comparison; and the grid query that reads it.
import {
  childrenOf,
  descendantsOf,
  isLeaf,
  leavesOf,
  parentsIn,
  treeOrder,
  visibleMembers,
  type MemberTree,
} from './tree';
import type { GridQuery, Selection } from './types';

export interface AxisItem {
  dimension: string;
  /** The members chosen for the axis, each shown with the expanded part of its subtree. */
  members: string[];
  expanded: string[];
  /** Totals after their children (periods: months, then the quarter) instead of before. */
  totalsAfter?: boolean;
}

export interface Comparison {
  version: string;
  reference: string;
}

export interface Layout {
  rows: AxisItem[];
  columns: AxisItem[];
  filters: Record<string, string>;
  compare: Comparison | null;
  currency: string | null;
}

export type Place = 'rows' | 'columns' | 'filters';
export type Trees = Record<string, MemberTree>;

const FULL_TREE_LIMIT = 300; // a dimension up to this size opens fully expanded on rows

function versionDimension(trees: Trees): string | null {
  return Object.values(trees).find((t) => t.kind === 'version')?.dimension ?? null;
}

/** The filter member a dimension starts with: the budget version, or the (first) top member. */
export function defaultFilter(tree: MemberTree): string {
  if (tree.kind === 'version') {
    const budget = [...tree.members.values()].find((m) => m.version_kind === 'budget');
    if (budget) return budget.code;
  }
  return tree.roots[0] ?? '';
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The top time member whose dates include `day` (YYYY-MM-DD); before all of them the first, after all the last. */
export function currentYear(tree: MemberTree, day: string): string {
  const years = tree.roots.map((code) => tree.members.get(code)!).filter(Boolean);
  const hit = years.find((m) => m.start_date && m.end_date && m.start_date <= day && day <= m.end_date);
  if (hit) return hit.code;
  const started = years.filter((m) => m.start_date && m.start_date <= day);
  return (started.length ? started[started.length - 1]!.code : tree.roots[0]) ?? '';
}

export function defaultAxisItem(tree: MemberTree, place: 'rows' | 'columns'): AxisItem {
  if (tree.kind === 'time') {
    // The current year (else the nearest one): its quarters and months, each quarter after its months, the year last.
    const year = currentYear(tree, today());
    return { dimension: tree.dimension, members: [year], expanded: [year, ...childrenOf(tree, year)], totalsAfter: true };
  }
  if (tree.kind === 'version') return { dimension: tree.dimension, members: [...tree.roots], expanded: [] };
  const small = tree.members.size <= FULL_TREE_LIMIT && place === 'rows';
  return { dimension: tree.dimension, members: [...tree.roots], expanded: small ? parentsIn(tree) : [...tree.roots] };
}

/** Accounts (or the first other dimension) on rows, periods on columns, the rest as filters. */
export function defaultLayout(dimensions: string[], trees: Trees): Layout {
  const kind = (d: string) => trees[d]?.kind;
  const time = dimensions.find((d) => kind(d) === 'time');
  const rowDimension =
    dimensions.find((d) => kind(d) === 'account') ?? dimensions.find((d) => kind(d) !== 'time' && kind(d) !== 'version');
  const columnDimension = time ?? dimensions.find((d) => d !== rowDimension);
  const layout: Layout = { rows: [], columns: [], filters: {}, compare: null, currency: null };
  for (const dimension of dimensions) {
    const tree = trees[dimension];
    if (!tree) continue;
    if (dimension === rowDimension) layout.rows.push(defaultAxisItem(tree, 'rows'));
    else if (dimension === columnDimension) layout.columns.push(defaultAxisItem(tree, 'columns'));
    else layout.filters[dimension] = defaultFilter(tree);
  }
  return layout;
}

export function placeOf(layout: Layout, dimension: string): Place {
  if (layout.rows.some((a) => a.dimension === dimension)) return 'rows';
  if (layout.columns.some((a) => a.dimension === dimension)) return 'columns';
  return 'filters';
}

export function axisItem(layout: Layout, dimension: string): AxisItem | undefined {
  return [...layout.rows, ...layout.columns].find((a) => a.dimension === dimension);
}

function without(layout: Layout, dimension: string): Layout {
  const filters = { ...layout.filters };
  delete filters[dimension];
  return {
    ...layout,
    rows: layout.rows.filter((a) => a.dimension !== dimension),
    columns: layout.columns.filter((a) => a.dimension !== dimension),
    filters,
  };
}

/** Puts a dimension on another axis (appended) or into the filters, starting from sensible members. */
export function moveDimension(layout: Layout, dimension: string, place: Place, trees: Trees): Layout {
  const tree = trees[dimension];
  if (!tree || placeOf(layout, dimension) === place) return layout;
  const before = axisItem(layout, dimension);
  let next = without(layout, dimension);
  if (tree.kind === 'version' && layout.compare) next = { ...next, compare: null };
  if (place === 'filters') {
    const code = before?.members[0] ?? defaultFilter(tree);
    return { ...next, filters: { ...next.filters, [dimension]: code } };
  }
  const item = defaultAxisItem(tree, place);
  const filter = layout.filters[dimension];
  const chosen = filter && tree.kind !== 'time' ? { ...item, members: [filter], expanded: [filter] } : item;
  return { ...next, [place]: [...next[place], chosen] };
}

export function setFilter(layout: Layout, dimension: string, code: string): Layout {
  return { ...layout, filters: { ...layout.filters, [dimension]: code } };
}

function mapItem(layout: Layout, dimension: string, change: (item: AxisItem) => AxisItem): Layout {
  const map = (items: AxisItem[]) => items.map((a) => (a.dimension === dimension ? change(a) : a));
  return { ...layout, rows: map(layout.rows), columns: map(layout.columns) };
}

export function setMembers(layout: Layout, dimension: string, members: string[]): Layout {
  return mapItem(layout, dimension, (item) => ({ ...item, members }));
}

export function toggleExpanded(layout: Layout, dimension: string, code: string): Layout {
  return mapItem(layout, dimension, (item) => ({
    ...item,
    expanded: item.expanded.includes(code) ? item.expanded.filter((c) => c !== code) : [...item.expanded, code],
  }));
}

export function expandAll(layout: Layout, dimension: string, tree: MemberTree, open: boolean): Layout {
  return mapItem(layout, dimension, (item) => ({ ...item, expanded: open ? parentsIn(tree) : [] }));
}

export function setTotalsAfter(layout: Layout, dimension: string, totalsAfter: boolean): Layout {
  return mapItem(layout, dimension, (item) => ({ ...item, totalsAfter }));
}

/** Versions side by side with their variance: Version goes first on the columns, holding the two versions. */
export function setComparison(layout: Layout, compare: Comparison | null, trees: Trees): Layout {
  const version = versionDimension(trees);
  if (!version) return layout;
  const base = without(layout, version);
  if (!compare) {
    const code = layout.compare?.version ?? layout.filters[version] ?? defaultFilter(trees[version]!);
    return { ...base, compare: null, filters: { ...base.filters, [version]: code } };
  }
  const item: AxisItem = { dimension: version, members: [compare.version, compare.reference], expanded: [] };
  return { ...base, compare, columns: [item, ...base.columns] };
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The query selection of an axis item: children_of / descendants_of when they say it, else the members. */
export function selectionFor(item: AxisItem, tree: MemberTree): Selection {
  const shown = visibleMembers(tree, item.members, item.expanded, item.totalsAfter);
  const [root] = item.members;
  if (item.members.length === 1 && root && !isLeaf(tree, root)) {
    const include_parent = item.totalsAfter ? 'after' : 'before';
    const children = childrenOf(tree, root);
    if (sameList(shown, item.totalsAfter ? [...children, root] : [root, ...children])) {
      return { dimension: item.dimension, children_of: root, include_parent };
    }
    if (!item.totalsAfter && sameList(shown, [root, ...descendantsOf(tree, root)])) {
      return { dimension: item.dimension, descendants_of: root, include_parent };
    }
  }
  return { dimension: item.dimension, members: shown };
}

export function toQuery(layout: Layout, trees: Trees): GridQuery {
  const selections = (items: AxisItem[]) =>
    items.flatMap((item) => (trees[item.dimension] ? [selectionFor(item, trees[item.dimension]!)] : []));
  const query: GridQuery = { rows: selections(layout.rows), columns: selections(layout.columns), filters: { ...layout.filters } };
  if (layout.compare) query.variance = { ...layout.compare };
  if (layout.currency) query.currency = layout.currency;
  return query;
}

/** Why a layout cannot be read yet, in words, or null when it can. */
export function layoutProblem(layout: Layout, trees: Trees): string | null {
  if (!layout.rows.length) return 'Put at least one dimension on the rows.';
  if (!layout.columns.length) return 'Put at least one dimension on the columns.';
  for (const item of [...layout.rows, ...layout.columns]) {
    const tree = trees[item.dimension];
    if (tree && !visibleMembers(tree, item.members, item.expanded).length) {
      return `Choose at least one member of ${item.dimension} to show.`;
    }
  }
  return null;
}

/** A layout from the address bar, checked against the cube (unknown dimensions or members are dropped). */
export function decodeLayout(text: string | null, dimensions: string[], trees: Trees): Layout | null {
  if (!text) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const data = raw as Partial<Layout>;
  const known = (d: unknown): d is string => typeof d === 'string' && dimensions.includes(d) && Boolean(trees[d]);
  const item = (a: Partial<AxisItem>): AxisItem | null => {
    if (!known(a.dimension)) return null;
    const tree = trees[a.dimension]!;
    const members = (Array.isArray(a.members) ? a.members : []).filter((m) => tree.members.has(m));
    const expanded = (Array.isArray(a.expanded) ? a.expanded : []).filter((m) => tree.members.has(m));
    return { dimension: a.dimension, members, expanded, ...(a.totalsAfter === true ? { totalsAfter: true } : {}) };
  };
  const items = (list: unknown) =>
    (Array.isArray(list) ? list : []).map((a) => item(a as Partial<AxisItem>)).filter((a): a is AxisItem => a !== null);
  const layout: Layout = { rows: items(data.rows), columns: items(data.columns), filters: {}, compare: null, currency: null };
  const placed = new Set([...layout.rows, ...layout.columns].map((a) => a.dimension));
  for (const dimension of dimensions) {
    const tree = trees[dimension];
    if (!tree || placed.has(dimension)) continue;
    const wanted = (data.filters as Record<string, unknown> | undefined)?.[dimension];
    layout.filters[dimension] = typeof wanted === 'string' && tree.members.has(wanted) ? wanted : defaultFilter(tree);
  }
  const compare = data.compare;
  if (compare && typeof compare.version === 'string' && typeof compare.reference === 'string') {
    layout.compare = { version: compare.version, reference: compare.reference };
  }
  if (typeof data.currency === 'string' && /^[A-Z]{3}$/.test(data.currency)) layout.currency = data.currency;
  return layout;
}

export function encodeLayout(layout: Layout): string {
  return JSON.stringify(layout);
}

/** Every leaf of a member's subtree (itself for a leaf); used to list periods or accounts flatly. */
export function leafMembers(tree: MemberTree, code?: string): string[] {
  return code ? leavesOf(tree, code) : treeOrder(tree).filter((m) => isLeaf(tree, m));
}
