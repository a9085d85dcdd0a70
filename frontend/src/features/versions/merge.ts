// Merge conflicts of a branch and the user's choice for each: the label the API keys a choice by, and the
// `choices` object sent back to resolve every conflict.

export interface MergeConflict {
  cube: string;
  coordinate: Record<string, string>;
  base: number | null;
  ours: number | null;
  theirs: number | null;
}

export type Pick = { kind: 'ours' } | { kind: 'theirs' } | { kind: 'value'; text: string };
export type ChoiceValue = 'ours' | 'theirs' | number;

/** Python's default string order (by code point), which the server sorts dimension codes with. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The label of a conflict's cell: "<cube>|<dim>=<code>,<dim>=<code>" with the dimensions sorted
 * (opencorpo/planning/versioning.py conflict_label). */
export function conflictLabel(cube: string, coordinate: Record<string, string>): string {
  const parts = Object.entries(coordinate)
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([dimension, code]) => `${dimension}=${code}`);
  return `${cube}|${parts.join(',')}`;
}

/** Reads a typed number the way people write it ("1 234,5" is not guessed: use a dot for decimals). */
export function parseAmount(text: string): number | null {
  const cleaned = text.trim().replace(/[\s\u00a0_']/g, '').replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return null;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : null;
}

export interface BuiltChoices {
  choices: Record<string, ChoiceValue>;
  /** Conflicts still without a valid choice, by label, with what is wrong. */
  problems: { label: string; message: string }[];
}

/** The `choices` for the merge request: one per conflict; every conflict must have a choice, and a typed value
 * must be a number. */
export function buildChoices(conflicts: MergeConflict[], picks: Record<string, Pick | undefined>): BuiltChoices {
  const choices: Record<string, ChoiceValue> = {};
  const problems: { label: string; message: string }[] = [];
  for (const conflict of conflicts) {
    const label = conflictLabel(conflict.cube, conflict.coordinate);
    const pick = picks[label];
    if (!pick) {
      problems.push({ label, message: 'Choose ours, theirs or a value.' });
    } else if (pick.kind === 'value') {
      const value = parseAmount(pick.text);
      if (value === null) problems.push({ label, message: `"${pick.text}" is not a number.` });
      else choices[label] = value;
    } else {
      choices[label] = pick.kind;
    }
  }
  return { choices, problems };
}

/** Sets the same pick for every conflict (e.g. "take the branch everywhere"). */
export function pickAll(conflicts: MergeConflict[], kind: 'ours' | 'theirs'): Record<string, Pick> {
  return Object.fromEntries(conflicts.map((c) => [conflictLabel(c.cube, c.coordinate), { kind }]));
}

/** Reads the conflicts from a 409 merge_conflicts error's details. */
export function conflictsOf(details: Record<string, unknown>): MergeConflict[] {
  const list = Array.isArray(details.conflicts) ? details.conflicts : [];
  return list.filter(
    (c): c is MergeConflict =>
      typeof c === 'object' && c !== null && typeof (c as MergeConflict).cube === 'string' && typeof (c as MergeConflict).coordinate === 'object',
  );
}
