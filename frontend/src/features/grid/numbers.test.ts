// Unit tests for numbers in the user's locale: display, editing form and parsing of typed or pasted text.
import { describe, expect, it } from 'vitest';
import { formatPercent, formatValue, parseNumber, patternStyle, plainNumber } from './numbers';

describe('formatting', () => {
  it('groups thousands and keeps at most two decimals in the locale', () => {
    expect(formatValue(1234567.891, 'en-US')).toBe('1,234,567.89');
    expect(formatValue(1234567.891, 'de-DE')).toBe('1.234.567,89');
    expect(formatValue(-5, 'en-US')).toBe('-5');
    expect(formatValue(null, 'en-US')).toBe('');
  });

  it('shows variance percents with one decimal', () => {
    expect(formatPercent(12.345, 'en-US')).toBe('12.3%');
    expect(formatPercent(-4, 'de-DE')).toBe('-4,0\u00a0%');
    expect(formatPercent(null, 'en-US')).toBe('');
  });

  it('gives the plain, full-precision form for editing and copying', () => {
    expect(plainNumber(1234.5678, 'en-US')).toBe('1234.5678');
    expect(plainNumber(1234.5678, 'de-DE')).toBe('1234,5678');
    expect(plainNumber(null, 'en-US')).toBe('');
  });
});

describe('account number formats', () => {
  it('reads decimals, grouping, percent and bracketed negatives from Excel patterns', () => {
    expect(patternStyle('#,##0')).toEqual({ decimals: 0, grouping: true, percent: false, brackets: false, scale: 0 });
    expect(patternStyle('0.0%')).toEqual({ decimals: 1, grouping: false, percent: true, brackets: false, scale: 0 });
    expect(patternStyle('#,##0.00;(#,##0.00)')).toEqual({ decimals: 2, grouping: true, percent: false, brackets: true, scale: 0 });
    expect(patternStyle('"EUR" #,##0')?.decimals).toBe(0);
    expect(patternStyle('')).toBeNull();
    expect(patternStyle('General text')).toBeNull();
  });

  it('formats by the account pattern in the reader locale', () => {
    expect(formatValue(1234567.891, 'en-US', '#,##0')).toBe('1,234,568');
    expect(formatValue(1234567.891, 'de-DE', '#,##0.00')).toBe('1.234.567,89');
    expect(formatValue(12.34, 'en-US', '0.0')).toBe('12.3');
    expect(formatValue(0.1234, 'en-US', '0.0%')).toBe('12.3%');
    expect(formatValue(-1500, 'en-US', '#,##0;(#,##0)')).toBe('(1,500)');
    expect(formatValue(1500, 'en-US', '#,##0;(#,##0)')).toBe('1,500');
    expect(formatValue(2.5, 'en-US', '')).toBe('2.5');
    expect(formatValue(null, 'en-US', '#,##0')).toBe('');
    expect(formatValue(1234567, 'en-US', '#,##0,')).toBe('1,235'); // thousands, as Excel shows them
    expect(formatValue(1234567, 'en-US', '#,##0.0,,')).toBe('1.2'); // millions
    expect(formatValue(1234.5, 'en-US', '[$-409]#,##0.00')).toBe('1,234.50'); // a locale code is not a digit
    expect(formatValue(-12, 'en-US', '[Red]#,##0;[Red](#,##0)')).toBe('(12)');
  });
});

describe('parseNumber', () => {
  it.each([
    ['1200', 'en-US', 1200],
    ['1,234.5', 'en-US', 1234.5],
    [' 1 234.5 ', 'en-US', 1234.5],
    ['1.234,5', 'de-DE', 1234.5],
    ['1234,5', 'de-DE', 1234.5],
    ['1\u202f234,5', 'fr-FR', 1234.5],
    ['(250)', 'en-US', -250],
    ['250-', 'en-US', -250],
    ['\u2212250', 'en-US', -250],
    ['€1,000', 'en-US', 1000],
    ['.5', 'en-US', 0.5],
    ['1e3', 'en-US', 1000],
  ])('reads %j in %s as %d', (text, locale, value) => {
    expect(parseNumber(text, locale)).toEqual({ ok: true, value });
  });

  it('reads blank text as "empty the cell"', () => {
    expect(parseNumber('  ', 'en-US')).toEqual({ ok: true, value: null });
  });

  it.each(['abc', '12abc', '1.2.3', '--5', 'Infinity', '1e999'])('refuses %j', (text) => {
    expect(parseNumber(text, 'en-US')).toEqual({ ok: false });
  });
});
