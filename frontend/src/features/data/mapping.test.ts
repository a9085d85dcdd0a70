import { describe, expect, it } from 'vitest';
import {
  buildMapping,
  dimensionRole,
  draftFromDefinition,
  emptyDraft,
  guessDraft,
  parseCodeMap,
  type CubeDimension,
  type MappingDraft,
} from './mapping';

const DIMENSIONS: CubeDimension[] = [
  { code: 'account', name: 'Account', kind: 'account' },
  { code: 'entity', name: 'Entity', kind: 'entity' },
  { code: 'time', name: 'Time', kind: 'time' },
  { code: 'version', name: 'Version', kind: 'version' },
];
const HEADER = ['Account', 'Entity', 'Month', 'Amount', 'Note'];

describe('guessDraft', () => {
  it('maps columns named like a dimension and the amount column, and ignores the rest', () => {
    const draft = guessDraft(HEADER, DIMENSIONS);
    expect(draft.columns.Account).toEqual(dimensionRole('account'));
    expect(draft.columns.Entity).toEqual(dimensionRole('entity'));
    expect(draft.columns.Month).toEqual({ kind: 'ignore' });
    expect(draft.columns.Amount).toEqual({ kind: 'value' });
    expect(draft.columns.Note).toEqual({ kind: 'ignore' });
  });

  it('never maps two columns to the same dimension', () => {
    const draft = guessDraft(['account', 'ACCOUNT '], DIMENSIONS);
    expect(draft.columns.account).toEqual(dimensionRole('account'));
    expect(draft.columns['ACCOUNT ']).toEqual({ kind: 'ignore' });
  });
});

function complete(): MappingDraft {
  const draft = guessDraft(HEADER, DIMENSIONS);
  draft.columns.Month = { ...dimensionRole('time'), format: 'MMM-YY' } as MappingDraft['columns'][string];
  draft.fixed.version = 'actual';
  return draft;
}

describe('buildMapping', () => {
  it('builds the definition the server reads', () => {
    const draft = complete();
    draft.columns.Account = { ...dimensionRole('account'), codeMap: '4000 = SALES\n4100\tDISC\n' } as MappingDraft['columns'][string];
    draft.flipSign = 'COST, RENT';
    draft.decimal = ',';
    const { definition, problems } = buildMapping(draft, HEADER, DIMENSIONS);
    expect(problems).toEqual([]);
    expect(definition).toEqual({
      columns: {
        Account: { dimension: 'account', map: { '4000': 'SALES', '4100': 'DISC' } },
        Entity: { dimension: 'entity' },
        Month: { dimension: 'time', format: 'MMM-YY' },
        Amount: { value: true },
      },
      fixed: { version: 'actual' },
      flip_sign: ['COST', 'RENT'],
      decimal: ',',
    });
  });

  it('names every dimension that is neither mapped nor fixed, and a missing value column', () => {
    const { problems } = buildMapping(emptyDraft(HEADER), HEADER, DIMENSIONS);
    expect(problems).toEqual([
      'Choose the column that holds the values.',
      'Map a column to Account, or choose a fixed member for it.',
      'Map a column to Entity, or choose a fixed member for it.',
      'Map a column to Time, or choose a fixed member for it.',
      'Map a column to Version, or choose a fixed member for it.',
    ]);
  });

  it('refuses two value columns and two columns for one dimension', () => {
    const draft = complete();
    draft.columns.Note = { kind: 'value' };
    draft.columns.Entity = dimensionRole('account');
    const { problems } = buildMapping(draft, HEADER, DIMENSIONS);
    expect(problems).toContain('Columns "Account" and "Entity" both give account; choose one.');
    expect(problems).toContain('Only one column holds the values; now "Amount" and "Note" do.');
  });

  it('does not send a fixed member for a dimension a column gives', () => {
    const draft = complete();
    draft.fixed.account = 'SALES';
    expect(buildMapping(draft, HEADER, DIMENSIONS).definition.fixed).toEqual({ version: 'actual' });
  });

  it('reports a bad code map line', () => {
    const draft = complete();
    draft.columns.Entity = { ...dimensionRole('entity'), codeMap: 'E1 = EAST\nnonsense' } as MappingDraft['columns'][string];
    expect(buildMapping(draft, HEADER, DIMENSIONS).problems).toEqual([
      'Code map of "Entity", line 2 ("nonsense"): write it as source = member.',
    ]);
  });
});

describe('parseCodeMap', () => {
  it('reads =, tab, ; and arrows, skips blank and # lines', () => {
    expect(parseCodeMap('# GL\n4000 = SALES\n\n4100\tDISC\n5000;RENT\n6000 -> WAGES').map).toEqual({
      '4000': 'SALES',
      '4100': 'DISC',
      '5000': 'RENT',
      '6000': 'WAGES',
    });
  });

  it('flags a source mapped twice to different members', () => {
    expect(parseCodeMap('1 = A\n1 = B').problems).toEqual(['line 2: "1" is mapped twice']);
  });
});

describe('draftFromDefinition', () => {
  it('applies a saved mapping to a file, matching column names without case, and says what does not fit', () => {
    const { draft, problems } = draftFromDefinition(
      {
        columns: {
          account: { dimension: 'account', by: 'name', map: { '4000': 'SALES' } },
          Month: { dimension: 'time', format: 'YYYYMM' },
          Amount: { value: true },
          Gone: { dimension: 'entity' },
        },
        fixed: { version: 'budget' },
        flip_sign: ['COST'],
        decimal: ',',
      },
      HEADER,
    );
    expect(draft.columns.Account).toEqual({ kind: 'dimension', dimension: 'account', by: 'name', format: 'auto', codeMap: '4000 = SALES' });
    expect(draft.columns.Month).toMatchObject({ kind: 'dimension', dimension: 'time', format: 'YYYYMM' });
    expect(draft.columns.Amount).toEqual({ kind: 'value' });
    expect(draft.columns.Entity).toEqual({ kind: 'ignore' });
    expect(draft.fixed).toEqual({ version: 'budget' });
    expect(draft.flipSign).toBe('COST');
    expect(draft.decimal).toBe(',');
    expect(problems).toEqual(['The saved mapping uses column "Gone", which this file does not have.']);
  });

  it('round-trips through buildMapping', () => {
    const built = buildMapping(complete(), HEADER, DIMENSIONS).definition;
    const { draft } = draftFromDefinition(built, HEADER);
    expect(buildMapping(draft, HEADER, DIMENSIONS).definition).toEqual(built);
  });
});
