// Unit test for what the session's roles let the pages offer: builders copy, branch and merge; lockers lock.
import { describe, expect, it } from 'vitest';
import { mayAdminister, mayBuild, mayLock } from './roles';

describe('mayBuild', () => {
  it('offers copy, branch and merge to administrators and modellers only', () => {
    expect(mayBuild(['administrator'])).toBe(true);
    expect(mayBuild(['modeller'])).toBe(true);
    expect(mayBuild(['planner', 'modeller'])).toBe(true);
    expect(mayBuild(['planner'])).toBe(false);
    expect(mayBuild(['approver'])).toBe(false);
    expect(mayBuild(['planner', 'approver', 'viewer'])).toBe(false);
  });

  it('leaves it to the API when no role is held everywhere (roles given per model only)', () => {
    expect(mayBuild([])).toBe(true);
  });
});

describe('mayLock', () => {
  it('offers locking to administrators, modellers and approvers only', () => {
    expect(mayLock(['administrator'])).toBe(true);
    expect(mayLock(['modeller'])).toBe(true);
    expect(mayLock(['approver'])).toBe(true);
    expect(mayLock(['viewer', 'approver'])).toBe(true);
    expect(mayLock(['planner'])).toBe(false);
    expect(mayLock(['viewer'])).toBe(false);
    expect(mayLock(['planner', 'viewer'])).toBe(false);
  });

  it('leaves it to the API when no role is held everywhere (roles given per model only)', () => {
    expect(mayLock([])).toBe(true);
  });
});

describe('mayAdminister', () => {
  it('offers user administration to administrators held everywhere only', () => {
    expect(mayAdminister(['administrator'])).toBe(true);
    expect(mayAdminister(['modeller', 'planner'])).toBe(false);
    expect(mayAdminister([])).toBe(false);
  });
});
