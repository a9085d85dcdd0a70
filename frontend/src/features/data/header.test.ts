import { describe, expect, it } from 'vitest';
import { PROBE_COLUMN, columnsFromProbeError, isSpreadsheet, parsePythonStrings } from './header';

describe('columnsFromProbeError', () => {
  it("reads the file's columns from the server's answer to the probe mapping", () => {
    const message = `The file has no column '${PROBE_COLUMN}'; its columns are 'Account', "Entity's", 'Caf\\xe9', 'Tab\\there'.`;
    expect(columnsFromProbeError(message)).toEqual(['Account', "Entity's", 'Café', 'Tab\there']);
  });

  it('answers null for any other failure', () => {
    expect(columnsFromProbeError('The file is larger than 200 MiB; split it.')).toBeNull();
    expect(columnsFromProbeError("The file has no column 'X'; its columns are 'A'.")).toBeNull();
  });
});

describe('parsePythonStrings', () => {
  it('reads a list of repr strings and stops at the end of the list', () => {
    expect(parsePythonStrings(`'a', 'b\\\\c', '\\u20ac'.`)).toEqual(['a', 'b\\c', '€']);
    expect(parsePythonStrings('nothing')).toBeNull();
    expect(parsePythonStrings("'unterminated")).toBeNull();
  });
});

describe('isSpreadsheet', () => {
  it('tells XLSX from CSV by the name', () => {
    expect(isSpreadsheet('Actuals.XLSX')).toBe(true);
    expect(isSpreadsheet('actuals.csv')).toBe(false);
  });
});
