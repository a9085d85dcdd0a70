// Unit tests for saving the grid as a report: codes from names, the definition from a layout, who is offered it.
import { describe, expect, it } from 'vitest';
import { defaultLayout, setComparison, toQuery, type Layout } from './layout';
import { codeFromName, codeProblem, maySaveReports, REPORT_CODE, reportDefinition } from './saveReport';
import { trees } from './testData';

const dims = ['account', 'entity', 'time', 'version'];

describe('codeFromName', () => {
  it.each([
    ['Profit and loss', 'profit-and-loss'],
    ['  Sales by région, 2026 (draft) ', 'sales-by-region-2026-draft'],
    ['Q1 — Nord/Süd', 'q1-nord-sud'],
    ['---', ''],
    ['Ünïcödé', 'unicode'],
    ['日本', ''],
  ])('%j → %j', (name, code) => {
    expect(codeFromName(name)).toBe(code);
  });

  it('keeps within the 64 characters the API accepts, without a trailing dash', () => {
    const code = codeFromName(`${'a'.repeat(63)} b c`);
    expect(code).toBe('a'.repeat(63));
    expect(codeFromName('word '.repeat(30)).length).toBeLessThanOrEqual(64);
    expect(REPORT_CODE.test(codeFromName('word '.repeat(30)))).toBe(true);
  });
});

describe('codeProblem', () => {
  it('accepts what the API accepts and says why not otherwise', () => {
    expect(codeProblem('sales-2026.v1_a')).toBeNull();
    expect(codeProblem('')).toBe('Give the report a code.');
    expect(codeProblem('-sales')).toMatch(/starts with a letter or digit/);
    expect(codeProblem('sales by region')).toMatch(/letters, digits/);
    expect(codeProblem('x'.repeat(65))).toMatch(/up to 64/);
  });
});

describe('reportDefinition', () => {
  it('holds exactly the query the grid reads, shown as a plain table', () => {
    const layout = defaultLayout(dims, trees);
    const definition = reportDefinition(layout, trees);
    expect(definition).toEqual({ query: toQuery(layout, trees), display: { layout: 'plain' } });
    expect(definition.query.filters).toEqual({ entity: 'E1', version: 'budget' });
    expect(definition.query.rows).toEqual([{ dimension: 'account', members: ['NI', 'REV', 'SALES', 'DISC', 'COST', 'RENT', 'WAGES', 'MARGIN'] }]);
    expect(definition.query.columns).toEqual([{ dimension: 'time', members: ['JAN', 'FEB', 'MAR', 'Q1', 'FY'] }]);
  });

  it('keeps a version comparison (as a variance table) and the currency', () => {
    const compared: Layout = {
      ...setComparison(defaultLayout(dims, trees), { version: 'actual', reference: 'budget' }, trees),
      currency: 'EUR',
    };
    const definition = reportDefinition(compared, trees);
    expect(definition.display).toEqual({ layout: 'variance' });
    expect(definition.query.variance).toEqual({ version: 'actual', reference: 'budget' });
    expect(definition.query.currency).toBe('EUR');
    expect(definition.query.columns[0]).toEqual({ dimension: 'version', members: ['actual', 'budget'] });
    expect(definition.query.filters).toEqual({ entity: 'E1' });
  });
});

describe('maySaveReports', () => {
  it('offers saving to planners, modellers and administrators, not to those who only read', () => {
    expect(maySaveReports(['planner'])).toBe(true);
    expect(maySaveReports(['viewer', 'modeller'])).toBe(true);
    expect(maySaveReports(['administrator'])).toBe(true);
    expect(maySaveReports(['viewer'])).toBe(false);
    expect(maySaveReports(['approver', 'viewer'])).toBe(false);
  });

  it('leaves it to the API when the roles are only given in models (none held everywhere)', () => {
    expect(maySaveReports([])).toBe(true);
    expect(maySaveReports(undefined)).toBe(true);
  });
});
