// Numbers in the user's locale: display formatting, the plain form used for editing and copying, and parsing of
// what a person types or pastes (group separators, the locale's decimal mark, (negatives) and − signs).

const formats = new Map<string, Intl.NumberFormat>();

function cached(locale: string, kind: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${kind}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}

/** The grid's display: grouped, at most two decimals; '' for an empty cell. With an account's number format
 * (an Excel pattern such as `#,##0`, `#,##0.00`, `0.0`, `0.0%` or `#,##0;(#,##0)`), its decimals, grouping,
 * percent scaling and bracketed negatives, in the reader's locale. */
export function formatValue(value: number | null | undefined, locale: string, pattern = ''): string {
  if (value === null || value === undefined) return '';
  const style = patternStyle(pattern);
  if (!style) return cached(locale, 'value', { maximumFractionDigits: 2 }).format(value);
  value /= 1000 ** style.scale;
  const format = cached(locale, `pattern:${pattern}`, {
    style: style.percent ? 'percent' : 'decimal',
    useGrouping: style.grouping,
    minimumFractionDigits: style.decimals,
    maximumFractionDigits: style.decimals,
  });
  if (style.brackets && value < 0) return `(${format.format(-value)})`;
  return format.format(value);
}

export interface PatternStyle {
  decimals: number;
  grouping: boolean;
  percent: boolean;
  brackets: boolean;
  /** Thousands dividers: each comma after the last digit divides by 1,000 (`#,##0,` shows thousands). */
  scale: number;
}

/** Reads the parts of an Excel number pattern the grid honours; null for an empty or unreadable pattern. */
export function patternStyle(pattern: string): PatternStyle | null {
  // Quoted text, escaped characters and [bracketed] locale, currency or colour codes are not part of the number.
  const [positive, negative = ''] = pattern.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '').split(';');
  const digits = /[#0](?:[#0,]*[#0])?(?:\.(0*)#*)?(,*)/.exec(positive ?? '');
  if (!digits) return null;
  return {
    decimals: Math.min(digits[1]?.length ?? 0, 10),
    grouping: digits[0].slice(0, digits[0].length - (digits[2]?.length ?? 0)).includes(','),
    percent: (positive ?? '').includes('%'),
    brackets: negative.includes('('),
    scale: digits[2]?.length ?? 0,
  };
}

/** A variance percent (already ×100), one decimal. */
export function formatPercent(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined) return '';
  return cached(locale, 'percent', { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(
    value / 100,
  );
}

/** The full-precision, ungrouped form for the editor and the clipboard: what a spreadsheet reads back as a number. */
export function plainNumber(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined) return '';
  return cached(locale, 'plain', { useGrouping: false, maximumFractionDigits: 10 }).format(value);
}

export interface Separators {
  group: string;
  decimal: string;
}

export function separatorsOf(locale: string): Separators {
  const parts = cached(locale, 'parts', { minimumFractionDigits: 1 }).formatToParts(12345.6);
  return {
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
  };
}

export type Parsed = { ok: true; value: number | null } | { ok: false };

const SPACES = /[\s\u00a0\u202f]/g;
const CURRENCY = /^[€$£¥]|[€$£¥]$/g;

/** Reads a typed or pasted number; blank text means "empty the cell" (value null). */
export function parseNumber(text: string, locale: string): Parsed {
  let s = text.replace(SPACES, '').replace(CURRENCY, '');
  if (s === '') return { ok: true, value: null };
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1);
  }
  s = s.replace(/^\u2212/, '-').replace(/\u2212$/, '-');
  if (s.endsWith('-') && !s.startsWith('-')) {
    negative = !negative;
    s = s.slice(0, -1);
  }
  const { group, decimal } = separatorsOf(locale);
  const groups = group.replace(SPACES, '') === '' ? [] : [group, "'", '\u2019'];
  for (const mark of groups) s = s.split(mark).join('');
  if (decimal !== '.') s = s.split(decimal).join('.');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return { ok: false };
  const value = Number(s);
  if (!Number.isFinite(value)) return { ok: false };
  return { ok: true, value: negative ? -value : value };
}
