import { describe, expect, it } from 'vitest';
import type { Member } from './dataApi';
import { defaultLayout, exportQuery, placeOnAxis } from './exportQuery';
import type { CubeDimension } from './mapping';

const DIMS: CubeDimension[] = [
  { code: 'account', name: 'Account', kind: 'account' },
  { code: 'entity', name: 'Entity', kind: 'entity' },
  { code: 'time', name: 'Time', kind: 'time' },
  { code: 'version', name: 'Version', kind: 'version' },
];
const m = (code: string, parent: string | null = null, extra: Partial<Member> = {}): Member =>
  ({ code, name: code, parent, ratio_numerator: null, ratio_denominator: null, ...extra }) as Member;
const MEMBERS: Record<string, Member[]> = {
  account: [m('NI'), m('REV', 'NI')],
  entity: [m('WORLD'), m('E1', 'WORLD')],
  time: [m('FY2026'), m('2026-Q1', 'FY2026'), m('2026-01', '2026-Q1')],
  version: [m('actual', null, { version_kind: 'actual' }), m('budget', null, { version_kind: 'budget' })],
};

describe('export layout', () => {
  it('puts accounts on rows, the months of the first year on columns and the budget as filter', () => {
    const layout = defaultLayout(DIMS, MEMBERS)!;
    expect(exportQuery(layout)).toEqual({
      rows: [{ dimension: 'account', descendants_of: 'NI', include_parent: 'before' }],
      columns: [{ dimension: 'time', leaves_of: 'FY2026' }],
      filters: { entity: 'WORLD', version: 'budget' },
    });
  });

  it('moves a filter onto an axis and the replaced dimension to the filters; swaps the axes', () => {
    const layout = defaultLayout(DIMS, MEMBERS)!;
    const moved = placeOnAxis(layout, 'rows', 'entity', DIMS, MEMBERS);
    expect(exportQuery(moved)).toEqual({
      rows: [{ dimension: 'entity', descendants_of: 'WORLD', include_parent: 'before' }],
      columns: [{ dimension: 'time', leaves_of: 'FY2026' }],
      filters: { account: 'NI', version: 'budget' },
    });
    const swapped = placeOnAxis(layout, 'rows', 'time', DIMS, MEMBERS);
    expect(swapped.rows.dimension).toBe('time');
    expect(swapped.columns.dimension).toBe('account');
    expect(exportQuery(swapped).filters).toEqual({ entity: 'WORLD', version: 'budget' });
  });

  it('asks for one member, or children', () => {
    const layout = defaultLayout(DIMS, MEMBERS)!;
    const query = exportQuery({ ...layout, rows: { dimension: 'account', member: 'REV', show: 'member' }, columns: { dimension: 'time', member: 'FY2026', show: 'children' } });
    expect(query.rows).toEqual([{ dimension: 'account', members: ['REV'] }]);
    expect(query.columns).toEqual([{ dimension: 'time', children_of: 'FY2026', include_parent: 'before' }]);
  });
});
