import { describe, expect, it } from 'vitest';
import { allowedActions, countStates, defaultVersion, transitionProblem } from './board';

describe('approval board logic', () => {
  it('offers the actions the API allows, in a stable order, dropping unknown ones', () => {
    expect(allowedActions({ actions: ['reopen', 'approve', 'delete', 'reject'] })).toEqual(['approve', 'reject', 'reopen']);
    expect(allowedActions({ actions: [] })).toEqual([]);
  });

  it('requires a comment to reject, not to submit or approve', () => {
    expect(transitionProblem('reject', '  ')).toBe('Say what to change: a rejection needs a comment.');
    expect(transitionProblem('reject', 'Rent is too high')).toBeNull();
    expect(transitionProblem('submit', '')).toBeNull();
    expect(transitionProblem('approve', 'x'.repeat(4001))).toMatch(/too long/);
  });

  it('counts units by state', () => {
    expect(countStates([{ state: 'draft' }, { state: 'approved' }, { state: 'draft' }])).toEqual({
      draft: 2,
      submitted: 0,
      approved: 1,
      rejected: 0,
    });
  });

  it('opens on the version asked for, else a budget, else the first', () => {
    const versions = [{ code: 'actual', version_kind: 'actual' }, { code: 'budget', version_kind: 'budget' }];
    expect(defaultVersion(versions, 'actual')).toBe('actual');
    expect(defaultVersion(versions, 'gone')).toBe('budget');
    expect(defaultVersion([{ code: 'fc', version_kind: 'forecast' }])).toBe('fc');
    expect(defaultVersion([])).toBe('');
  });
});
