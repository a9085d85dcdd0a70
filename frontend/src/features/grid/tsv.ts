// Tab-separated text as spreadsheets put it on the clipboard: rows end with CR LF or LF, and a field that holds
// a tab, a line break or a quote is quoted, with inner quotes doubled.

function quoted(field: string): string {
  return /[\t\r\n"]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function formatTsv(rows: string[][]): string {
  return rows.map((row) => row.map(quoted).join('\t')).join('\r\n');
}

/** Parses clipboard text into a rectangular block (short rows padded with ''); one trailing line break is ignored. */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let atFieldStart = true;
  while (i < text.length) {
    const ch = text[i]!;
    if (atFieldStart && ch === '"') {
      // A quoted field runs to the next lone quote.
      i++;
      while (i < text.length) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
      atFieldStart = false;
      continue;
    }
    if (ch === '\t') {
      row.push(field);
      field = '';
      atFieldStart = true;
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += ch;
      atFieldStart = false;
    }
    i++;
  }
  if (!atFieldStart || field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const width = Math.max(0, ...rows.map((r) => r.length));
  return rows.map((r) => (r.length < width ? [...r, ...Array<string>(width - r.length).fill('')] : r));
}
