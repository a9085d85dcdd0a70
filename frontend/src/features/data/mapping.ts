// The column mapping of an import, as the user edits it (a role per file column, fixed members for the other
// dimensions) and as the server reads it (opencorpo/dataio/mapping.py):
//   columns    {"<file column>": {"dimension": "<code>", "by": "code"|"name", "map": {...}, "format": "..."},
//               "<value column>": {"value": true}}
//   fixed      {"<dimension>": "<member code>"}
//   flip_sign  ["<account code>", ...]
//   decimal    "." or ","

export const PERIOD_FORMATS = ['auto', 'YYYY-MM', 'MMM-YY', 'YYYYMM', 'FY-P'] as const;
export type PeriodFormat = (typeof PERIOD_FORMATS)[number];

export interface CubeDimension {
  code: string;
  name: string;
  kind?: string;
}

export type ColumnRole =
  | { kind: 'ignore' }
  | { kind: 'value' }
  | {
      kind: 'dimension';
      dimension: string;
      by: 'code' | 'name';
      format: PeriodFormat;
      /** Source code → member code, one per line as "source = member". */
      codeMap: string;
    };

export interface MappingDraft {
  columns: Record<string, ColumnRole>;
  fixed: Record<string, string>;
  decimal: '.' | ',';
  /** Account codes whose values are negated, separated by commas or spaces. */
  flipSign: string;
}

export type ColumnDefinition =
  | { value: true }
  | { dimension: string; by?: 'code' | 'name'; format?: PeriodFormat; map?: Record<string, string> };

export interface MappingDefinition {
  columns: Record<string, ColumnDefinition>;
  fixed?: Record<string, string>;
  flip_sign?: string[];
  decimal?: '.' | ',';
}

export function dimensionRole(dimension: string): ColumnRole {
  return { kind: 'dimension', dimension, by: 'code', format: 'auto', codeMap: '' };
}

export function emptyDraft(header: string[]): MappingDraft {
  return { columns: Object.fromEntries(header.map((c) => [c, { kind: 'ignore' } as ColumnRole])), fixed: {}, decimal: '.', flipSign: '' };
}

const VALUE_NAMES = new Set(['value', 'values', 'amount', 'amounts', 'betrag', 'montant', 'importe', 'sum', 'total']);

function simplify(text: string): string {
  return text.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

/** A first mapping for a file: columns named like a dimension (code or name, any case) map to it, a column named
 * like an amount holds the values, the rest is ignored. */
export function guessDraft(header: string[], dimensions: CubeDimension[]): MappingDraft {
  const draft = emptyDraft(header);
  const used = new Set<string>();
  let value = false;
  for (const column of header) {
    const name = simplify(column);
    const dimension = dimensions.find(
      (d) => !used.has(d.code) && (simplify(d.code) === name || simplify(d.name) === name || simplify(d.kind ?? '') === name),
    );
    if (dimension) {
      draft.columns[column] = dimensionRole(dimension.code);
      used.add(dimension.code);
    } else if (!value && VALUE_NAMES.has(name)) {
      draft.columns[column] = { kind: 'value' };
      value = true;
    }
  }
  return draft;
}

/** Parses "source = member" lines (also "source<TAB>member" as pasted from a spreadsheet, or "source;member"). */
export function parseCodeMap(text: string): { map: Record<string, string>; problems: string[] } {
  const map: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^(.*?)\s*(?:=|\t|;|→|->)\s*(.*)$/.exec(line);
    const source = match?.[1]?.trim() ?? '';
    const member = match?.[2]?.trim() ?? '';
    if (!match || !source || !member) {
      problems.push(`line ${index + 1} ("${line}"): write it as source = member`);
      return;
    }
    if (source in map && map[source] !== member) problems.push(`line ${index + 1}: "${source}" is mapped twice`);
    map[source] = member;
  });
  return { map, problems };
}

export function formatCodeMap(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .map(([source, member]) => `${source} = ${member}`)
    .join('\n');
}

function splitCodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((c) => c.trim())
    .filter(Boolean);
}

export interface BuiltMapping {
  definition: MappingDefinition;
  /** What must change before the mapping can be used; empty when it is complete. */
  problems: string[];
}

/** The server's mapping definition from the draft, and every mistake the server would refuse it for. */
export function buildMapping(draft: MappingDraft, header: string[], dimensions: CubeDimension[]): BuiltMapping {
  const problems: string[] = [];
  const columns: Record<string, ColumnDefinition> = {};
  const fromColumn = new Map<string, string>();
  const valueColumns: string[] = [];
  const known = new Set(dimensions.map((d) => d.code));
  for (const column of header) {
    const role = draft.columns[column] ?? { kind: 'ignore' };
    if (role.kind === 'value') {
      valueColumns.push(column);
      columns[column] = { value: true };
    } else if (role.kind === 'dimension') {
      if (!known.has(role.dimension)) {
        problems.push(`Column "${column}" names dimension "${role.dimension}", which this cube does not have.`);
        continue;
      }
      const earlier = fromColumn.get(role.dimension);
      if (earlier !== undefined) {
        problems.push(`Columns "${earlier}" and "${column}" both give ${role.dimension}; choose one.`);
        continue;
      }
      fromColumn.set(role.dimension, column);
      const { map, problems: mapProblems } = parseCodeMap(role.codeMap);
      for (const problem of mapProblems) problems.push(`Code map of "${column}", ${problem}.`);
      const definition: ColumnDefinition = { dimension: role.dimension };
      if (role.by !== 'code') definition.by = role.by;
      const kind = dimensions.find((d) => d.code === role.dimension)?.kind;
      if (kind === 'time' && role.format !== 'auto') definition.format = role.format;
      if (Object.keys(map).length) definition.map = map;
      columns[column] = definition;
    }
  }
  if (valueColumns.length === 0) problems.push('Choose the column that holds the values.');
  if (valueColumns.length > 1) problems.push(`Only one column holds the values; now ${valueColumns.map((c) => `"${c}"`).join(' and ')} do.`);
  const fixed: Record<string, string> = {};
  for (const dimension of dimensions) {
    if (fromColumn.has(dimension.code)) continue;
    const member = draft.fixed[dimension.code]?.trim();
    if (member) fixed[dimension.code] = member;
    else problems.push(`Map a column to ${dimension.name}, or choose a fixed member for it.`);
  }
  const definition: MappingDefinition = { columns };
  if (Object.keys(fixed).length) definition.fixed = fixed;
  const flip = splitCodes(draft.flipSign);
  if (flip.length) definition.flip_sign = flip;
  if (draft.decimal === ',') definition.decimal = ',';
  return { definition, problems };
}

/** A saved mapping applied to a file's header: the draft, and what of it does not fit the file. */
export function draftFromDefinition(
  definition: unknown,
  header: string[],
): { draft: MappingDraft; problems: string[] } {
  const draft = emptyDraft(header);
  const problems: string[] = [];
  const record = (typeof definition === 'object' && definition !== null ? definition : {}) as Partial<MappingDefinition>;
  const columns = record.columns ?? {};
  const byLowerName = new Map(header.map((c) => [c.toLowerCase(), c]));
  for (const [name, role] of Object.entries(columns)) {
    const column = header.includes(name) ? name : byLowerName.get(name.toLowerCase());
    if (column === undefined) {
      problems.push(`The saved mapping uses column "${name}", which this file does not have.`);
      continue;
    }
    if ('value' in role && role.value) draft.columns[column] = { kind: 'value' };
    else if ('dimension' in role) {
      draft.columns[column] = {
        kind: 'dimension',
        dimension: role.dimension,
        by: role.by === 'name' ? 'name' : 'code',
        format: PERIOD_FORMATS.includes(role.format as PeriodFormat) ? (role.format as PeriodFormat) : 'auto',
        codeMap: formatCodeMap(role.map),
      };
    }
  }
  draft.fixed = { ...(record.fixed ?? {}) };
  draft.decimal = record.decimal === ',' ? ',' : '.';
  draft.flipSign = (record.flip_sign ?? []).join(', ');
  return { draft, problems };
}
