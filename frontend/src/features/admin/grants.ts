// Member-level grants of one user or group in one dimension, and the access they lead to on each member
// (opencorpo/accounts/access.py): the deepest grant at or above a leaf decides; a leaf with no grant above it
// has none, unless the principal has no grant at all in the dimension (then it is open, up to the role); a total
// has the least access of its leaves.
import type { Schemas } from '../../api/typed';
import type { TreeRow } from '../data/tree';

export type Grant = Schemas['Grant'];
export type Access = Schemas['AccessEnum'];
export type PrincipalKind = 'user' | 'group';

export interface Principal {
  kind: PrincipalKind;
  name: string;
}

export const ACCESS_LEVELS: Access[] = ['none', 'read', 'write'];
const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };

export function samePrincipal(grant: Pick<Grant, 'user' | 'group'>, principal: Principal): boolean {
  return principal.kind === 'user' ? grant.user === principal.name : grant.group === principal.name;
}

export function principalOf(grant: Pick<Grant, 'user' | 'group'>): string {
  return grant.user ? `user ${grant.user}` : `group ${grant.group ?? '?'}`;
}

/** The principal's grants in the dimension, by member code. */
export function grantsByMember(grants: Grant[], dimension: string, principal: Principal): Map<string, Grant> {
  return new Map(
    grants.filter((g) => g.dimension === dimension && samePrincipal(g, principal)).map((g) => [g.member, g]),
  );
}

export interface Effective {
  /** 'open': no grant in this dimension at all, so the role alone decides. */
  access: Access | 'open';
  /** The member whose grant decides (itself or an ancestor); null when none does. */
  from: string | null;
  /** For a total: its access is the least of its leaves', which may be below what its own path gives. */
  lowestOfLeaves: boolean;
}

/** The effective access on every member of the tree. */
export function effectiveAccess(rows: TreeRow[], granted: Map<string, Access>): Map<string, Effective> {
  const result = new Map<string, Effective>();
  if (granted.size === 0) {
    for (const row of rows) result.set(row.member.code, { access: 'open', from: null, lowestOfLeaves: false });
    return result;
  }
  const byPath = new Map<string, { access: Access; from: string | null }>();
  for (const row of rows) {
    const code = row.member.code;
    const decider = [code, ...row.ancestors].find((c) => granted.has(c)) ?? null;
    byPath.set(code, { access: decider ? (granted.get(decider) as Access) : 'none', from: decider });
  }
  // A total: the least over its leaves (children come after their parent in tree order, so walk backwards).
  const lowest = new Map<string, Access>();
  for (const row of [...rows].reverse()) {
    const code = row.member.code;
    const own = row.leaf ? (byPath.get(code) as { access: Access }).access : (lowest.get(code) ?? 'none');
    lowest.set(code, own);
    const parent = row.ancestors[0];
    if (parent !== undefined) {
      const current = lowest.get(parent);
      if (current === undefined || RANK[own] < RANK[current]) lowest.set(parent, own);
    }
  }
  for (const row of rows) {
    const code = row.member.code;
    const path = byPath.get(code) as { access: Access; from: string | null };
    const least = lowest.get(code) ?? path.access;
    result.set(code, {
      access: row.leaf ? path.access : least,
      from: path.from,
      lowestOfLeaves: !row.leaf && least !== path.access,
    });
  }
  return result;
}

export function describeEffective(
  effective: Effective | undefined,
  code: string,
  name: (code: string) => string,
): string {
  if (!effective) return '';
  if (effective.access === 'open') return 'open (no grants in this dimension: the role decides)';
  if (effective.lowestOfLeaves) return `${effective.access} (the lowest of its leaves)`;
  if (effective.from === null) return 'none (no grant at or above it)';
  if (effective.from === code) return `${effective.access} (granted here)`;
  return `${effective.access} (from ${name(effective.from)})`;
}

/** What to send when a member's select changes: a grant to set, one to delete, or nothing. */
export function grantChange(
  current: Grant | undefined,
  chosen: Access | 'inherit',
): { kind: 'set'; access: Access } | { kind: 'delete'; id: number } | { kind: 'none' } {
  if (chosen === 'inherit') return current ? { kind: 'delete', id: current.id } : { kind: 'none' };
  if (current && current.access === chosen) return { kind: 'none' };
  return { kind: 'set', access: chosen };
}
