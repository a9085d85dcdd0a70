// Small CSV reader for the browser: the header of a file about to be imported (read the way the server reads it:
// BOM, Excel's "sep=" line, ',' ';' or tab, the first row with a visible value) and the rows of errors.csv.

/** The delimiter of a CSV sample: the one of ',', ';' and tab found most often (outside quotes) in its first
 * non-empty line; ',' when none is. */
export function detectDelimiter(sample: string): string {
  const first = sample.split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of first) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char in counts) counts[char] = (counts[char] ?? 0) + 1;
  }
  let best = ',';
  for (const candidate of [',', ';', '\t']) {
    if ((counts[candidate] ?? 0) > (counts[best] ?? 0)) best = candidate;
  }
  return best;
}

/** Parses CSV text (RFC 4180: double quotes, doubled quotes inside them, line breaks inside quotes). A last
 * line without content is dropped; `limit` stops after that many rows. */
export function parseCsv(text: string, delimiter = ',', limit = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(cell);
    rows.push(row);
    row = [];
    cell = '';
  };
  while (i < text.length && rows.length < limit) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else cell += char;
      i += 1;
      continue;
    }
    if (char === '"' && cell === '') quoted = true;
    else if (char === delimiter) {
      row.push(cell);
      cell = '';
    } else if (char === '\r' || char === '\n') {
      endRow();
      if (char === '\r' && text[i + 1] === '\n') i += 1;
    } else cell += char;
    i += 1;
  }
  if (rows.length < limit && (cell !== '' || row.length > 0)) endRow();
  return rows;
}

export interface CsvHeader {
  columns: string[];
  delimiter: string;
  /** 1-based line of the header in the file. */
  line: number;
  /** The first data rows after the header (up to five), for a preview. */
  samples: string[][];
}

/** The header of a CSV file from its first bytes, or a message saying why it cannot be used. */
export function csvHeader(text: string): CsvHeader | { problem: string } {
  let body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let delimiter: string | null = null;
  let offset = 0;
  const sep = /^sep=(.)(\r\n|\n|\r|$)/i.exec(body);
  if (sep) {
    delimiter = sep[1] as string;
    body = body.slice(sep[0].length);
    offset = 1;
  }
  // A sample may end in the middle of a line: only complete lines count (unless it is the whole file).
  delimiter ??= detectDelimiter(body);
  const rows = parseCsv(body, delimiter, 200);
  const index = rows.findIndex((cells) => cells.some((c) => c.trim() !== ''));
  if (index < 0) return { problem: 'The file has no header row: its first lines are empty.' };
  const cells = [...(rows[index] as string[])];
  while (cells.length && (cells[cells.length - 1] as string).trim() === '') cells.pop();
  const columns = cells.map((c) => c.trim());
  const seen = new Map<string, number>();
  for (const [position, name] of columns.entries()) {
    if (!name) return { problem: `Column ${position + 1} of the header has no name. Give every column a name.` };
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      return { problem: `Column ${position + 1} of the header repeats the name "${name}" of column ${earlier + 1}.` };
    }
    seen.set(name.toLowerCase(), position);
  }
  const samples = rows
    .slice(index + 1)
    .filter((cells) => cells.some((c) => c.trim() !== ''))
    .slice(0, 5);
  return { columns, delimiter, line: offset + index + 1, samples };
}

export interface ErrorRow {
  line: number;
  column: string;
  value: string;
  reason: string;
}

/** The rows of an import's errors.csv (header: line, column, value, reason). Values the server guarded against
 * formula injection with a leading apostrophe are shown as they were in the file. */
export function parseErrorsCsv(text: string): ErrorRow[] {
  const rows = parseCsv(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const [header, ...data] = rows;
  if (!header || header[0]?.trim().toLowerCase() !== 'line') return [];
  return data
    .filter((cells) => cells.length >= 4 && cells[0] !== '')
    .map(([line, column, value, reason]) => ({
      line: Number(line),
      column: column ?? '',
      value: /^'[=+\-@\t\r]/.test(value ?? '') ? (value as string).slice(1) : (value ?? ''),
      reason: reason ?? '',
    }));
}
