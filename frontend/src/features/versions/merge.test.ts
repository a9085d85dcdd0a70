import { describe, expect, it } from 'vitest';
import { buildChoices, conflictLabel, conflictsOf, parseAmount, pickAll, type MergeConflict } from './merge';

const A: MergeConflict = { cube: 'pl', coordinate: { time: '2026-01', account: 'SALES', entity: 'E1' }, base: 1, ours: 2, theirs: 3 };
const B: MergeConflict = { cube: 'hc', coordinate: { entity: 'E2', account: 'HC' }, base: null, ours: 5, theirs: 6 };

describe('conflictLabel', () => {
  it('joins the cube and the coordinate sorted by dimension code, as the server does', () => {
    expect(conflictLabel('pl', A.coordinate)).toBe('pl|account=SALES,entity=E1,time=2026-01');
  });

  it('sorts by code point like Python, not by locale (upper case before lower case)', () => {
    expect(conflictLabel('c', { b: '1', B: '2', a: '3', _x: '4' })).toBe('c|B=2,_x=4,a=3,b=1');
  });
});

describe('buildChoices', () => {
  it('sends ours, theirs or the typed number per conflict label', () => {
    const { choices, problems } = buildChoices([A, B], {
      'pl|account=SALES,entity=E1,time=2026-01': { kind: 'theirs' },
      'hc|account=HC,entity=E2': { kind: 'value', text: ' 1,234.5 ' },
    });
    expect(problems).toEqual([]);
    expect(choices).toEqual({ 'pl|account=SALES,entity=E1,time=2026-01': 'theirs', 'hc|account=HC,entity=E2': 1234.5 });
  });

  it('names each conflict without a choice or with a value that is not a number', () => {
    const { choices, problems } = buildChoices([A, B], { 'hc|account=HC,entity=E2': { kind: 'value', text: 'abc' } });
    expect(choices).toEqual({});
    expect(problems).toEqual([
      { label: 'pl|account=SALES,entity=E1,time=2026-01', message: 'Choose ours, theirs or a value.' },
      { label: 'hc|account=HC,entity=E2', message: '"abc" is not a number.' },
    ]);
  });

  it('picks one side everywhere', () => {
    expect(buildChoices([A, B], pickAll([A, B], 'ours')).choices).toEqual({
      'pl|account=SALES,entity=E1,time=2026-01': 'ours',
      'hc|account=HC,entity=E2': 'ours',
    });
  });
});

describe('parseAmount', () => {
  it('reads plain, negative, thousands-separated and exponent numbers', () => {
    expect(parseAmount('42')).toBe(42);
    expect(parseAmount('-0.5')).toBe(-0.5);
    expect(parseAmount('1,234,567.25')).toBe(1234567.25);
    expect(parseAmount("1'000")).toBe(1000);
    expect(parseAmount('1e3')).toBe(1000);
  });

  it('refuses what is not a number', () => {
    for (const text of ['', ' ', '1,5', 'ten', '1.2.3', 'Infinity']) expect(parseAmount(text)).toBeNull();
  });
});

describe('conflictsOf', () => {
  it('reads the conflicts from the error details and skips malformed entries', () => {
    expect(conflictsOf({ conflicts: [A, { nope: true }, B], count: 2 })).toEqual([A, B]);
    expect(conflictsOf({})).toEqual([]);
  });
});
