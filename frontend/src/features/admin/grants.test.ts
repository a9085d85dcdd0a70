import { describe, expect, it } from 'vitest';
import { treeRows } from '../data/tree';
import { describeEffective, effectiveAccess, grantChange, grantsByMember, type Access, type Grant } from './grants';

const ROWS = treeRows([
  { code: 'WORLD', name: 'World', parent: null },
  { code: 'EAST', name: 'East', parent: 'WORLD' },
  { code: 'E1', name: 'East one', parent: 'EAST' },
  { code: 'E2', name: 'East two', parent: 'EAST' },
  { code: 'WEST', name: 'West', parent: 'WORLD' },
  { code: 'W1', name: 'West one', parent: 'WEST' },
]);

function levels(granted: Record<string, Access>) {
  const result = effectiveAccess(ROWS, new Map(Object.entries(granted)));
  return Object.fromEntries([...result].map(([code, e]) => [code, e.access]));
}

describe('effectiveAccess', () => {
  it('is open everywhere when the principal has no grant in the dimension', () => {
    expect(new Set(Object.values(levels({})))).toEqual(new Set(['open']));
  });

  it('lets the deepest grant above a leaf decide, gives none where no grant is above, and a total the least of its leaves', () => {
    expect(levels({ EAST: 'write', E2: 'read' })).toEqual({
      WORLD: 'none', // W1 has no grant above it
      EAST: 'read', // the least of E1 (write) and E2 (read)
      E1: 'write',
      E2: 'read',
      WEST: 'none',
      W1: 'none',
    });
    expect(levels({ WORLD: 'read', W1: 'write' })).toMatchObject({ WORLD: 'read', WEST: 'write', W1: 'write', E1: 'read' });
  });

  it('says where the access comes from', () => {
    const result = effectiveAccess(ROWS, new Map<string, Access>([['EAST', 'write'], ['E2', 'read']]));
    const name = (c: string) => ({ EAST: 'East' })[c] ?? c;
    expect(describeEffective(result.get('E1'), 'E1', name)).toBe('write (from East)');
    expect(describeEffective(result.get('E2'), 'E2', name)).toBe('read (granted here)');
    expect(describeEffective(result.get('EAST'), 'EAST', name)).toBe('read (the lowest of its leaves)');
    expect(describeEffective(result.get('W1'), 'W1', name)).toBe('none (no grant at or above it)');
  });
});

describe('grants of one principal and what a change sends', () => {
  const grants: Grant[] = [
    { id: 1, dimension: 'entity', member: 'EAST', user: 'petra', group: null, access: 'write' },
    { id: 2, dimension: 'entity', member: 'WEST', user: null, group: 'planners', access: 'read' },
    { id: 3, dimension: 'account', member: 'NI', user: 'petra', group: null, access: 'read' },
  ];

  it("keeps the principal's grants in the dimension", () => {
    expect([...grantsByMember(grants, 'entity', { kind: 'user', name: 'petra' }).keys()]).toEqual(['EAST']);
    expect([...grantsByMember(grants, 'entity', { kind: 'group', name: 'planners' }).keys()]).toEqual(['WEST']);
  });

  it('sets, deletes or does nothing', () => {
    const east = grants[0];
    expect(grantChange(east, 'read')).toEqual({ kind: 'set', access: 'read' });
    expect(grantChange(east, 'write')).toEqual({ kind: 'none' });
    expect(grantChange(east, 'inherit')).toEqual({ kind: 'delete', id: 1 });
    expect(grantChange(undefined, 'inherit')).toEqual({ kind: 'none' });
    expect(grantChange(undefined, 'none')).toEqual({ kind: 'set', access: 'none' });
  });
});
