// Unit tests for the displayed grid: columns (with variance groups), cell values, coordinates and read-only reasons.
import { describe, expect, it } from 'vitest';
import { buildModel, cellValue, coordinateOf, favourableOf, formatOf, isEditable, reasonOf, rowVersionOf } from './model';
import { buildTree } from './tree';
import { header, periods, sampleAnswer, trees, versions } from './testData';
import type { GridAnswer } from './types';

describe('buildModel', () => {
  it('reads values, editability, row versions and coordinates of plain value columns', () => {
    const model = buildModel(sampleAnswer());
    expect(model.rowCount).toBe(8);
    expect(model.columns.map((c) => c.kind)).toEqual(['value', 'value', 'value', 'value']);
    expect(cellValue(model, 2, 0)).toBe(100);
    expect(isEditable(model, 2, 0)).toBe(true);
    expect(isEditable(model, 0, 0)).toBe(false);
    expect(rowVersionOf(model, 2, 0)).toBe(3);
    expect(coordinateOf(model, 2, 1)).toEqual({ entity: 'E1', version: 'budget', account: 'SALES', time: 'FEB' });
  });

  it('explains read-only cells: total, locked period, calculated; an answer’s own reasons win', () => {
    const model = buildModel(sampleAnswer());
    expect(reasonOf(model, 2, 0, trees)).toBeNull();
    expect(reasonOf(model, 1, 0, trees)).toBe('total'); // Revenue
    expect(reasonOf(model, 2, 3, trees)).toBe('total'); // Sales in Q1
    expect(reasonOf(model, 2, 2, trees)).toBe('locked'); // Sales in March
    expect(reasonOf(model, 7, 0, trees)).toBe('calculated'); // Margin
    expect(reasonOf(model, 7, 3, trees)).toBe('calculated'); // Margin in Q1: calculated outranks total
    expect(reasonOf(model, 1, 2, trees)).toBe('locked'); // Revenue in March: locked outranks total
    const lockedVersion = { ...trees, version: { ...versions, members: new Map(versions.members) } };
    lockedVersion.version.members.set('budget', { ...versions.members.get('budget')!, locked: true });
    expect(reasonOf(model, 1, 0, lockedVersion)).toBe('locked'); // a locked version outranks "total"
    const given = sampleAnswer();
    given.reasons = given.editable.map((row) => row.map((ok) => (ok ? null : 'no_access')));
    expect(reasonOf(buildModel(given), 1, 0, trees)).toBe('no_access');
    const converted = { ...sampleAnswer(), currency: 'EUR', editable: sampleAnswer().editable.map((r) => r.map(() => false)) };
    expect(reasonOf(buildModel(converted), 2, 0, trees)).toBe('converted');
  });

  it('puts the compared versions side by side, each group followed by its variance and variance %', () => {
    const answer: GridAnswer = {
      ...sampleAnswer(),
      rows: { dimensions: ['account'], headers: [[header(trees.account!, 'SALES')], [header(trees.account!, 'RENT')]] },
      columns: {
        dimensions: ['version', 'time'],
        headers: [
          [header(versions, 'actual'), header(periods, 'JAN')],
          [header(versions, 'actual'), header(periods, 'FEB')],
          [header(versions, 'budget'), header(periods, 'JAN')],
          [header(versions, 'budget'), header(periods, 'FEB')],
        ],
      },
      values: [
        [120, 90, 100, 100],
        [40, 30, 30, 30],
      ],
      editable: [
        [true, true, true, true],
        [true, true, true, true],
      ],
      row_versions: [
        [1, 1, 1, 1],
        [1, 1, 1, 1],
      ],
      variance: {
        version: 'actual',
        reference: 'budget',
        rows: { dimensions: ['account'], headers: [[header(trees.account!, 'SALES')], [header(trees.account!, 'RENT')]] },
        columns: { dimensions: ['time'], headers: [[header(periods, 'JAN')], [header(periods, 'FEB')]] },
        absolute: [
          [20, -10],
          [10, 0],
        ],
        percent: [
          [20, -10],
          [33.3, 0],
        ],
        favourable: [
          [true, false],
          [false, true],
        ],
      },
    };
    const model = buildModel(answer);
    expect(model.columns.map((c) => `${c.kind}:${c.source}`)).toEqual([
      'value:0',
      'value:2',
      'variance:0',
      'percent:0',
      'value:1',
      'value:3',
      'variance:1',
      'percent:1',
    ]);
    expect(cellValue(model, 0, 2)).toBe(20);
    expect(cellValue(model, 1, 3)).toBe(33.3);
    expect(favourableOf(model, 0, 6)).toBe(false);
    expect(favourableOf(model, 1, 2)).toBe(false);
    expect(isEditable(model, 0, 2)).toBe(false);
    expect(reasonOf(model, 0, 2, trees)).toBe('variance');
    expect(coordinateOf(model, 0, 2)).toBeNull();
    expect(coordinateOf(model, 0, 1)).toMatchObject({ version: 'budget', time: 'JAN', account: 'SALES' });
  });
});

describe('formatOf', () => {
  it('finds the account of a cell on rows, on columns or in the filters and gives its number format', () => {
    const withFormats = {
      ...trees,
      account: buildTree('account', 'account', [
        ...[...trees.account!.members.values()].map((m) => (m.code === 'SALES' ? { ...m, number_format: '#,##0' } : m)),
      ]),
    };
    const model = buildModel(sampleAnswer()); // accounts on rows: row 2 is SALES
    expect(formatOf(model, 2, 0, withFormats)).toBe('#,##0');
    expect(formatOf(model, 1, 0, withFormats)).toBe(''); // Revenue has no format of its own
    const filtered: GridAnswer = {
      ...sampleAnswer(),
      rows: { dimensions: ['entity'], headers: [[header(trees.entity!, 'E1')]] },
      filters: { ...sampleAnswer().filters, account: header(trees.account!, 'SALES') },
    };
    expect(formatOf(buildModel(filtered), 0, 0, withFormats)).toBe('#,##0');
    expect(formatOf(model, 2, 0, { time: trees.time! })).toBe(''); // no account dimension known
  });
});
