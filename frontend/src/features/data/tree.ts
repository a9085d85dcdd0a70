// A dimension's flat member list as an ordered tree (parents before their children), for pickers and the grants
// tree; and slices ("members per dimension") typed as text.

export interface TreeMember {
  code: string;
  name: string;
  parent?: string | null;
  sort?: number;
}

export interface TreeRow<M extends TreeMember = TreeMember> {
  member: M;
  depth: number;
  leaf: boolean;
  /** Codes of the ancestors, nearest first. */
  ancestors: string[];
}

/** Members in tree order: each parent, then its children (by sort, then code). A member whose parent is not in
 * the list (hidden from the reader) is a root. Cycles cannot hang it. */
export function treeRows<M extends TreeMember>(members: M[]): TreeRow<M>[] {
  const byCode = new Map(members.map((m) => [m.code, m]));
  const children = new Map<string | null, M[]>();
  for (const member of members) {
    const parent = member.parent && byCode.has(member.parent) && member.parent !== member.code ? member.parent : null;
    const list = children.get(parent) ?? [];
    list.push(member);
    children.set(parent, list);
  }
  for (const list of children.values()) {
    list.sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }
  const rows: TreeRow<M>[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number, ancestors: string[]) => {
    for (const member of children.get(parent) ?? []) {
      if (seen.has(member.code)) continue;
      seen.add(member.code);
      const below = children.get(member.code) ?? [];
      rows.push({ member, depth, leaf: below.length === 0, ancestors });
      walk(member.code, depth + 1, [member.code, ...ancestors]);
    }
  };
  walk(null, 0, []);
  return rows;
}

/** "A, B C;D" → ["A", "B", "C", "D"]. */
export function splitCodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((c) => c.trim())
    .filter(Boolean);
}

/** A slice from the codes typed per dimension; dimensions left empty are taken whole (left out). */
export function sliceFromTexts(texts: Record<string, string>): Record<string, string[]> {
  const slice: Record<string, string[]> = {};
  for (const [dimension, text] of Object.entries(texts)) {
    const codes = [...new Set(splitCodes(text))];
    if (codes.length) slice[dimension] = codes;
  }
  return slice;
}

export function describeSlice(slice: Record<string, string[]> | null | undefined): string {
  const parts = Object.entries(slice ?? {}).map(([dimension, codes]) => `${dimension}: ${codes.join(', ')}`);
  return parts.length ? parts.join('; ') : 'everything';
}
