// Unit tests for clipboard text: tab-separated rows as spreadsheets write and read them.
import { describe, expect, it } from 'vitest';
import { formatTsv, parseTsv } from './tsv';

describe('parseTsv', () => {
  it('reads rows and tabs, with CR LF or LF, ignoring one trailing line break', () => {
    expect(parseTsv('1\t2\t3\r\n4\t5\t6\r\n')).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    expect(parseTsv('1\t2\n3\t4')).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseTsv('42')).toEqual([['42']]);
    expect(parseTsv('')).toEqual([]);
  });

  it('keeps empty cells and pads short rows', () => {
    expect(parseTsv('1\t\t3\n\t5')).toEqual([
      ['1', '', '3'],
      ['', '5', ''],
    ]);
    expect(parseTsv('\n')).toEqual([['']]);
  });

  it('reads quoted fields holding tabs, line breaks and doubled quotes', () => {
    expect(parseTsv('"a\tb"\t"line\r\nbreak"\t"say ""hi"""\r\n')).toEqual([['a\tb', 'line\r\nbreak', 'say "hi"']]);
  });
});

describe('formatTsv', () => {
  it('joins cells with tabs and rows with CR LF, quoting only where needed', () => {
    expect(formatTsv([['1', '2'], ['3', '']])).toBe('1\t2\r\n3\t');
    expect(formatTsv([['a\tb', 'x"y']])).toBe('"a\tb"\t"x""y"');
  });

  it('round-trips through parseTsv', () => {
    const block = [
      ['1.5', '', 'a\nb'],
      ['-2', '"q"', '3'],
    ];
    expect(parseTsv(formatTsv(block))).toEqual(block);
  });
});
