// Unit tests for numbers in the user's locale: display, editing form and parsing of typed or pasted text.
import { describe, expect, it } from 'vitest';
import { formatPercent, formatValue, parseNumber, plainNumber } from './numbers';

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
