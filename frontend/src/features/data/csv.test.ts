import { describe, expect, it } from 'vitest';
import { csvHeader, detectDelimiter, parseCsv, parseErrorsCsv } from './csv';

describe('parseCsv', () => {
  it('reads quotes, doubled quotes, separators and line breaks inside quotes', () => {
    expect(parseCsv('a,"b,c","say ""hi""\nthere"\r\n1,2,3\n')).toEqual([
      ['a', 'b,c', 'say "hi"\nthere'],
      ['1', '2', '3'],
    ]);
  });

  it('stops after the limit', () => {
    expect(parseCsv('1\n2\n3\n', ',', 2)).toEqual([['1'], ['2']]);
  });
});

describe('detectDelimiter', () => {
  it('picks the most frequent of comma, semicolon and tab outside quotes', () => {
    expect(detectDelimiter('a;b;"c,d,e"\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('single')).toBe(',');
  });
});

describe('csvHeader', () => {
  it('skips a BOM and empty lines and trims the names', () => {
    expect(csvHeader('\uFEFF\n,,\n Account , Amount \nSALES,5\n')).toEqual({
      columns: ['Account', 'Amount'],
      delimiter: ',',
      line: 3,
      samples: [['SALES', '5']],
    });
  });

  it("honours Excel's sep= line", () => {
    expect(csvHeader('sep=;\nAccount;Amount\nSALES;1,5\n')).toMatchObject({ columns: ['Account', 'Amount'], delimiter: ';', line: 2 });
  });

  it('refuses an unnamed or repeated column like the server', () => {
    expect(csvHeader('Account,,Amount\n')).toEqual({ problem: 'Column 2 of the header has no name. Give every column a name.' });
    expect(csvHeader('Account,account\n')).toEqual({
      problem: 'Column 2 of the header repeats the name "account" of column 1.',
    });
    expect(csvHeader('\n\n')).toEqual({ problem: 'The file has no header row: its first lines are empty.' });
  });

  it('drops empty trailing header cells', () => {
    expect(csvHeader('A,B,,\n1,2\n')).toMatchObject({ columns: ['A', 'B'] });
  });
});

describe('parseErrorsCsv', () => {
  it('reads every row and undoes the formula guard', () => {
    const text = 'line,column,value,reason\n3,Account,NOPE,account has no member \'NOPE\'\n4,Amount,\'=1+1,"\'=1+1\' is not a number"\n';
    expect(parseErrorsCsv(text)).toEqual([
      { line: 3, column: 'Account', value: 'NOPE', reason: "account has no member 'NOPE'" },
      { line: 4, column: 'Amount', value: '=1+1', reason: "'=1+1' is not a number" },
    ]);
  });

  it('answers nothing for another file', () => {
    expect(parseErrorsCsv('a,b\n1,2\n')).toEqual([]);
  });
});
