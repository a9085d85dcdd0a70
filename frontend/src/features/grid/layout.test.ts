// Unit tests for grid layouts: defaults, moving dimensions, expansion, comparisons and the query they make.
import { describe, expect, it } from 'vitest';
import {
  currentYear,
  decodeLayout,
  defaultLayout,
  encodeLayout,
  layoutProblem,
  moveDimension,
  selectionFor,
  setComparison,
  toQuery,
  toggleExpanded,
} from './layout';
import { trees, accounts, periods } from './testData';
import { buildTree, visibleMembers } from './tree';

const dims = ['account', 'entity', 'time', 'version'];

describe('visibleMembers', () => {
  it('shows each chosen member with the children of expanded ones, totals before or after', () => {
    expect(visibleMembers(accounts, ['NI'], ['NI'])).toEqual(['NI', 'REV', 'COST']);
    expect(visibleMembers(accounts, ['NI'], ['NI', 'COST'])).toEqual(['NI', 'REV', 'COST', 'RENT', 'WAGES']);
    expect(visibleMembers(accounts, ['NI'], ['COST'])).toEqual(['NI']); // a collapsed parent hides its subtree
    expect(visibleMembers(periods, ['FY'], ['FY', 'Q1'], true)).toEqual(['JAN', 'FEB', 'MAR', 'Q1', 'FY']);
  });
});

describe('defaultLayout', () => {
  it('puts accounts on rows (open), periods on columns and the budget version in the filters', () => {
    const layout = defaultLayout(dims, trees);
    expect(layout.rows).toEqual([{ dimension: 'account', members: ['NI', 'MARGIN'], expanded: ['NI', 'REV', 'COST'] }]);
    expect(layout.columns).toEqual([{ dimension: 'time', members: ['FY'], expanded: ['FY', 'Q1'], totalsAfter: true }]);
    expect(layout.filters).toEqual({ entity: 'E1', version: 'budget' });
    expect(layoutProblem(layout, trees)).toBeNull();
  });
});

describe('currentYear', () => {
  const years = buildTree('time', 'time', [
    { code: 'FY2025', name: 'FY 2025', parent: null, sort: 1, start_date: '2025-01-01', end_date: '2025-12-31', ratio_numerator: null, ratio_denominator: null },
    { code: 'FY2026', name: 'FY 2026', parent: null, sort: 2, start_date: '2026-01-01', end_date: '2026-12-31', ratio_numerator: null, ratio_denominator: null },
  ]);
  it('opens the grid on the year that holds today, or the nearest year', () => {
    expect(currentYear(years, '2026-11-29')).toBe('FY2026');
    expect(currentYear(years, '2025-03-01')).toBe('FY2025');
    expect(currentYear(years, '2031-01-01')).toBe('FY2026');
    expect(currentYear(years, '2020-01-01')).toBe('FY2025');
    expect(currentYear(periods, '2026-01-01')).toBe('FY'); // no dates known: the first year
  });
});

describe('selectionFor', () => {
  it('says children_of or descendants_of when that is what the axis shows, else lists the members', () => {
    expect(selectionFor({ dimension: 'account', members: ['NI'], expanded: ['NI'] }, accounts)).toEqual({
      dimension: 'account',
      children_of: 'NI',
      include_parent: 'before',
    });
    expect(selectionFor({ dimension: 'account', members: ['NI'], expanded: ['NI', 'REV', 'COST'] }, accounts)).toEqual({
      dimension: 'account',
      descendants_of: 'NI',
      include_parent: 'before',
    });
    expect(selectionFor({ dimension: 'time', members: ['Q1'], expanded: ['Q1'], totalsAfter: true }, periods)).toEqual({
      dimension: 'time',
      children_of: 'Q1',
      include_parent: 'after',
    });
    expect(selectionFor({ dimension: 'account', members: ['NI'], expanded: ['NI', 'COST'] }, accounts)).toEqual({
      dimension: 'account',
      members: ['NI', 'REV', 'COST', 'RENT', 'WAGES'],
    });
  });
});

describe('layout changes', () => {
  it('expands and collapses a member, and the query follows', () => {
    const layout = { ...defaultLayout(dims, trees), rows: [{ dimension: 'account', members: ['NI'], expanded: ['NI'] }] };
    const opened = toggleExpanded(layout, 'account', 'REV');
    expect(toQuery(opened, trees).rows).toEqual([{ dimension: 'account', members: ['NI', 'REV', 'SALES', 'DISC', 'COST'] }]);
    expect(toggleExpanded(opened, 'account', 'REV')).toEqual(layout);
  });

  it('moves a dimension between filters and axes', () => {
    const layout = defaultLayout(dims, trees);
    const entityOnRows = moveDimension(layout, 'entity', 'rows', trees);
    expect(entityOnRows.filters).toEqual({ version: 'budget' });
    expect(entityOnRows.rows.map((a) => a.dimension)).toEqual(['account', 'entity']);
    expect(entityOnRows.rows[1]!.members).toEqual(['E1']);
    const back = moveDimension(entityOnRows, 'account', 'filters', trees);
    expect(back.filters.account).toBe('NI');
    expect(layoutProblem(back, trees)).toBeNull();
    expect(layoutProblem(moveDimension(back, 'entity', 'filters', trees), trees)).toBe('Put at least one dimension on the rows.');
  });

  it('compares two versions: Version first on the columns and a variance in the query', () => {
    const layout = setComparison(defaultLayout(dims, trees), { version: 'actual', reference: 'budget' }, trees);
    expect(layout.filters).toEqual({ entity: 'E1' });
    const query = toQuery(layout, trees);
    expect(query.columns[0]).toEqual({ dimension: 'version', members: ['actual', 'budget'] });
    expect(query.variance).toEqual({ version: 'actual', reference: 'budget' });
    const off = setComparison(layout, null, trees);
    expect(off.filters.version).toBe('actual');
    expect(toQuery(off, trees).variance).toBeUndefined();
  });
});

describe('layout in the address bar', () => {
  it('round-trips and drops what the cube does not have', () => {
    const layout = setComparison(defaultLayout(dims, trees), { version: 'actual', reference: 'budget' }, trees);
    expect(decodeLayout(encodeLayout(layout), dims, trees)).toEqual(layout);
    const odd = JSON.stringify({
      rows: [{ dimension: 'account', members: ['SALES', 'NOPE'], expanded: [] }, { dimension: 'ghost', members: [] }],
      columns: [{ dimension: 'time', members: ['JAN'], expanded: [] }],
      filters: { entity: 'NOPE' },
    });
    const decoded = decodeLayout(odd, dims, trees)!;
    expect(decoded.rows).toEqual([{ dimension: 'account', members: ['SALES'], expanded: [] }]);
    expect(decoded.filters).toEqual({ entity: 'E1', version: 'budget' });
    expect(decodeLayout('{not json', dims, trees)).toBeNull();
  });
});
