// The column names of an uploaded file. CSV headers are read in the browser (csv.ts); for XLSX the server is asked:
// a check-only import with a mapping naming a column no file has fails with "The file has no column …; its
// columns are 'A', 'B'." and that list is the header.
import { csvHeader, type CsvHeader } from './csv';

/** A column name no real file uses: the probe mapping names it so that the server lists the actual columns. */
export const PROBE_COLUMN = '__opencorpo_header_probe__';

export const PROBE_MAPPING = { columns: { [PROBE_COLUMN]: { value: true } } };

export function isSpreadsheet(fileName: string): boolean {
  return /\.(xlsx|xlsm)$/i.test(fileName);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** Parses a list of Python string literals as `repr` writes them ('a', "it's", 'caf\xe9'), up to the end of
 * the list; null when the text is not such a list. */
export function parsePythonStrings(text: string): string[] | null {
  const found: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i += 1;
  };
  for (;;) {
    skipSpace();
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return found.length ? found : null;
    i += 1;
    let value = '';
    for (;;) {
      if (i >= text.length) return null;
      const char = text[i] as string;
      if (char === quote) {
        i += 1;
        break;
      }
      if (char === '\\') {
        const next = text[i + 1] ?? '';
        const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
        if (width) {
          const hex = text.slice(i + 2, i + 2 + width);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) return null;
          value += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + width;
        } else {
          value += ESCAPES[next] ?? `\\${next}`;
          i += 2;
        }
        continue;
      }
      value += char;
      i += 1;
    }
    found.push(value);
    skipSpace();
    if (text[i] !== ',') return found;
    i += 1;
  }
}

/** The file's columns named in the server's answer to the probe mapping; null when the message is another one. */
export function columnsFromProbeError(message: string): string[] | null {
  const marker = 'its columns are ';
  const at = message.indexOf(marker);
  if (at < 0 || !message.includes(PROBE_COLUMN)) return null;
  return parsePythonStrings(message.slice(at + marker.length));
}

/** Reads the header of a CSV file in the browser. */
export async function readCsvHeader(file: Blob): Promise<CsvHeader | { problem: string }> {
  const sample = await file.slice(0, 64 * 1024).text();
  return csvHeader(sample);
}
