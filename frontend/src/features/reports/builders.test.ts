import { describe, expect, it } from 'vitest';
import { heatmapCells, patternOf, rollingTable, varianceTable, waterfall, waterfallFromAnswer } from './builders';
import type { GridAnswer, Header } from './types';

const h = (code: string, level = 0): Header => ({ code, name: code, level, has_children: false });

describe('waterfall', () => {
  it('walks from start to end, one bar per step', () => {
    const bars = waterfall(100, 130, [
      { label: 'REV', delta: 50 },
      { label: 'COST', delta: -20 },
    ]);
    expect(bars.map((b) => b.kind)).toEqual(['start', 'up', 'down', 'end']);
    expect(bars[1]).toMatchObject({ base: 100, size: 50 });
    expect(bars[2]).toMatchObject({ base: 130, size: 20 });
    const steps = bars.filter((b) => b.kind === 'up' || b.kind === 'down');
    expect(bars[0]!.value + steps.reduce((s, b) => s + b.value, 0)).toBeCloseTo(bars[bars.length - 1]!.value);
  });

  it('closes an open bridge with an Other step', () => {
    const bars = waterfall(100, 90, [{ label: 'REV', delta: 5 }]);
    expect(bars.map((b) => b.label)).toEqual(['Start', 'REV', 'Other', 'End']);
    expect(bars[2]).toMatchObject({ kind: 'down', value: -15, base: 90, size: 15 });
  });

  it('takes signed variances of the steps from a grid answer', () => {
    const answer: GridAnswer = {
      cube: 'pl',
      rows: { dimensions: ['account'], headers: [[h('REV')], [h('COST')], [h('NI')]] },
      columns: { dimensions: ['version'], headers: [[h('actual')], [h('budget')]] },
      filters: {},
      values: [
        [110, 100],
        [70, 60],
        [40, 40],
      ],
    };
    const bars = waterfallFromAnswer(answer, {
      type: 'waterfall',
      total: 'NI',
      start: 'budget',
      end: 'actual',
      steps: [
        { account: 'REV', sign: 1 },
        { account: 'COST', sign: -1 },
      ],
    });
    expect(bars.map((b) => [b.label, b.value])).toEqual([
      ['budget', 40],
      ['REV', 10],
      ['COST', -10],
      ['actual', 40],
    ]);
  });
});

describe('heat map', () => {
  it('signs variance % by favourable and leaves out empty cells', () => {
    const answer = {
      variance: {
        version: 'actual',
        reference: 'budget',
        rows: { dimensions: ['entity'], headers: [[h('EU')], [h('AM')]] },
        columns: { dimensions: ['time'], headers: [[h('2026-01')], [h('2026-02')]] },
        absolute: [],
        percent: [
          [5, -3],
          [null, 2],
        ],
        favourable: [
          [true, false],
          [null, false],
        ],
      },
    } as unknown as GridAnswer;
    const { xs, ys, cells } = heatmapCells(answer);
    expect(xs).toEqual(['2026-01', '2026-02']);
    expect(ys).toEqual(['EU', 'AM']);
    expect(cells).toEqual([
      { x: 0, y: 0, value: 5 },
      { x: 1, y: 0, value: -3 },
      { x: 1, y: 1, value: -2 },
    ]);
  });
});

describe('tables', () => {
  const answer: GridAnswer = {
    cube: 'pl',
    rows: { dimensions: ['account'], headers: [[h('REV')]] },
    columns: {
      dimensions: ['time', 'version'],
      headers: [
        [h('Q1'), h('actual')],
        [h('Q1'), h('budget')],
        [h('Q2'), h('actual')],
        [h('Q2'), h('budget')],
      ],
    },
    filters: {},
    values: [[11, 10, 19, 20]],
    variance: {
      version: 'actual',
      reference: 'budget',
      rows: { dimensions: ['account'], headers: [[h('REV')]] },
      columns: { dimensions: ['time'], headers: [[h('Q1')], [h('Q2')]] },
      absolute: [[1, -1]],
      percent: [[10, -5]],
      favourable: [[true, false]],
    },
  };

  it('puts version and reference side by side per group', () => {
    const table = varianceTable(answer)!;
    expect(table.groups).toEqual(['Q1', 'Q2']);
    expect(table.rows[0]!.cells[1]).toEqual({ actual: 19, reference: 20, absolute: -1, percent: -5, favourable: false });
  });

  it('takes actuals up to the cut-off and the forecast after it', () => {
    const table = rollingTable(answer, 'actual', 'budget', 'Q1');
    expect(table.periods.map((p) => p.source)).toEqual(['actual', 'budget']);
    expect(table.rows[0]!.values).toEqual([11, 20]);
  });
});

describe('patternOf', () => {
  it('takes the number pattern of the account on the row, the column or in the filters', () => {
    const pct = { ...h('GM_PCT'), number_format: '0.0' };
    const answer: GridAnswer = {
      cube: 'pl',
      rows: { dimensions: ['account'], headers: [[{ ...h('REV'), number_format: '#,##0' }], [pct], [h('NOTE')]] },
      columns: { dimensions: ['version'], headers: [[h('actual')]] },
      filters: {},
      values: [[1], [2], [3]],
    };
    expect(patternOf(answer, 0)).toBe('#,##0');
    expect(patternOf(answer, 1, 0)).toBe('0.0');
    expect(patternOf(answer, 2)).toBe('');
    const filtered: GridAnswer = { ...answer, rows: { dimensions: ['entity'], headers: [[h('E1')]] }, filters: { account: pct } };
    expect(patternOf(filtered, 0, 0)).toBe('0.0');
  });
});
