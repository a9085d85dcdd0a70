// Test data for the grid's unit tests: a small account tree, periods, versions and a grid answer over them.
import { buildTree, type MemberTree } from './tree';
import type { GridAnswer, Header, Member } from './types';

function member(code: string, parent: string | null, extra: Partial<Member> = {}): Member {
  return { code, name: code.charAt(0) + code.slice(1).toLowerCase(), parent, ratio_numerator: null, ratio_denominator: null, ...extra };
}

export const accounts = buildTree('account', 'account', [
  member('NI', null),
  member('REV', 'NI', { sort: 1 }),
  member('SALES', 'REV', { sort: 2 }),
  member('DISC', 'REV', { sort: 3, weight: -1 }),
  member('COST', 'NI', { sort: 4, weight: -1 }),
  member('RENT', 'COST', { sort: 5 }),
  member('WAGES', 'COST', { sort: 6 }),
  member('MARGIN', null, { sort: 7, formula: 'NI / REV * 100' }),
]);

export const periods = buildTree('time', 'time', [
  member('FY', null, { name: 'FY 2026' }),
  member('Q1', 'FY', { sort: 1 }),
  member('JAN', 'Q1', { sort: 2 }),
  member('FEB', 'Q1', { sort: 3 }),
  member('MAR', 'Q1', { sort: 4, locked: true }),
]);

export const versions = buildTree('version', 'version', [
  member('actual', null, { version_kind: 'actual' }),
  member('budget', null, { sort: 1, version_kind: 'budget' }),
]);

export const entities = buildTree('entity', 'entity', [member('E1', null)]);

export const trees: Record<string, MemberTree> = { account: accounts, time: periods, version: versions, entity: entities };

export function header(tree: MemberTree, code: string): Header {
  let level = 0;
  for (let parent = tree.members.get(code)?.parent; parent; parent = tree.members.get(parent)?.parent) level++;
  return { code, name: tree.members.get(code)?.name ?? code, level, has_children: (tree.children.get(code) ?? []).length > 0 };
}

/** Rows NI … WAGES, MARGIN; columns JAN, FEB, MAR, Q1; entity E1, budget. Leaves are editable except in March. */
export function sampleAnswer(): GridAnswer {
  const rows = ['NI', 'REV', 'SALES', 'DISC', 'COST', 'RENT', 'WAGES', 'MARGIN'];
  const columns = ['JAN', 'FEB', 'MAR', 'Q1'];
  const leafRow = (r: string) => ['SALES', 'DISC', 'RENT', 'WAGES'].includes(r);
  const leafColumn = (c: string) => c === 'JAN' || c === 'FEB';
  const base: Record<string, number | null> = { SALES: 100, DISC: 10, RENT: 30, WAGES: 20 };
  const value = (r: string, c: string): number | null => {
    const month = c === 'Q1' ? 3 : 1;
    const leaf = (code: string) => (base[code] ?? 0) * month;
    switch (r) {
      case 'REV':
        return leaf('SALES') - leaf('DISC');
      case 'COST':
        return leaf('RENT') + leaf('WAGES');
      case 'NI':
        return leaf('SALES') - leaf('DISC') - leaf('RENT') - leaf('WAGES');
      case 'MARGIN':
        return 44.44;
      default:
        return leaf(r);
    }
  };
  return {
    cube: 'pl',
    data_version: 7,
    rows: { dimensions: ['account'], headers: rows.map((r) => [header(accounts, r)]) },
    columns: { dimensions: ['time'], headers: columns.map((c) => [header(periods, c)]) },
    filters: { entity: header(entities, 'E1'), version: header(versions, 'budget') },
    values: rows.map((r) => columns.map((c) => value(r, c))),
    editable: rows.map((r) => columns.map((c) => leafRow(r) && leafColumn(c))),
    row_versions: rows.map((r) => columns.map((c) => (leafRow(r) && leafColumn(c) ? 3 : null))),
    currency: null,
  };
}
