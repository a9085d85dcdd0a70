// A dimension's members as a tree (from the flat member list), and which members an axis shows when some of
// them are expanded.
import type { Member } from './types';

export interface MemberTree {
  dimension: string;
  kind: string;
  members: Map<string, Member>;
  children: Map<string, string[]>;
  roots: string[];
}

export function buildTree(dimension: string, kind: string, list: Member[]): MemberTree {
  const sorted = [...list].sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0) || a.code.localeCompare(b.code));
  const members = new Map(sorted.map((m) => [m.code, m]));
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const member of sorted) {
    // A member whose parent is hidden from this reader is shown as a root.
    if (member.parent && members.has(member.parent)) {
      const siblings = children.get(member.parent) ?? [];
      siblings.push(member.code);
      children.set(member.parent, siblings);
    } else {
      roots.push(member.code);
    }
  }
  return { dimension, kind, members, children, roots };
}

export function childrenOf(tree: MemberTree, code: string): string[] {
  return tree.children.get(code) ?? [];
}

export function isLeaf(tree: MemberTree, code: string): boolean {
  return childrenOf(tree, code).length === 0;
}

/** Ancestors nearest first. */
export function ancestorsOf(tree: MemberTree, code: string): string[] {
  const found: string[] = [];
  let parent = tree.members.get(code)?.parent ?? null;
  while (parent && tree.members.has(parent) && !found.includes(parent)) {
    found.push(parent);
    parent = tree.members.get(parent)?.parent ?? null;
  }
  return found;
}

/** Whether `code` is `ancestor` or lies under it. */
export function isUnder(tree: MemberTree, code: string, ancestor: string): boolean {
  return code === ancestor || ancestorsOf(tree, code).includes(ancestor);
}

/** Every member below `code`, in tree order. */
export function descendantsOf(tree: MemberTree, code: string): string[] {
  const out: string[] = [];
  const walk = (parent: string) => {
    for (const child of childrenOf(tree, parent)) {
      out.push(child);
      walk(child);
    }
  };
  walk(code);
  return out;
}

export function leavesOf(tree: MemberTree, code: string): string[] {
  const below = descendantsOf(tree, code).filter((m) => isLeaf(tree, m));
  return below.length ? below : [code];
}

/** Every member that has children. */
export function parentsIn(tree: MemberTree): string[] {
  return [...tree.children.keys()];
}

/** Tree order of every member: roots first, each followed by its subtree. */
export function treeOrder(tree: MemberTree): string[] {
  return tree.roots.flatMap((root) => [root, ...descendantsOf(tree, root)]);
}

/**
 * The members an axis shows: each chosen member, followed (or, with totalsAfter, preceded) by the children of
 * the expanded ones, recursively.
 */
export function visibleMembers(
  tree: MemberTree,
  chosen: string[],
  expanded: Iterable<string>,
  totalsAfter = false,
): string[] {
  const open = new Set(expanded);
  const out: string[] = [];
  const walk = (code: string) => {
    if (!totalsAfter) out.push(code);
    if (open.has(code)) for (const child of childrenOf(tree, code)) walk(child);
    if (totalsAfter) out.push(code);
  };
  for (const code of chosen) if (tree.members.has(code)) walk(code);
  return out;
}

/** A locked version, or a period that is locked itself or lies under a locked quarter or year. */
export function isLocked(tree: MemberTree, code: string): boolean {
  if (tree.kind !== 'version' && tree.kind !== 'time') return false;
  const own = tree.members.get(code)?.locked === true;
  if (tree.kind === 'version') return own;
  return own || ancestorsOf(tree, code).some((a) => tree.members.get(a)?.locked === true);
}

export function isCalculated(tree: MemberTree, code: string): boolean {
  const member = tree.members.get(code);
  return Boolean(member && (member.formula || member.ratio_numerator));
}

/** Label for a member in a flat picker: indented by depth. */
export function indentedLabel(tree: MemberTree, code: string): string {
  const depth = ancestorsOf(tree, code).length;
  return `${'\u2003'.repeat(depth)}${tree.members.get(code)?.name ?? code}`;
}
