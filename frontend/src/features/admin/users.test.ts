// Unit test for the role boxes of the Users panel: one role on or off, canonical order kept.
import { describe, expect, it } from 'vitest';
import { toggleRole } from './UsersPanel';

describe('toggleRole', () => {
  it('adds and removes a role in the canonical order', () => {
    expect(toggleRole(['viewer'], 'planner', true)).toEqual(['planner', 'viewer']);
    expect(toggleRole(['planner', 'viewer'], 'planner', false)).toEqual(['viewer']);
    expect(toggleRole(['administrator'], 'administrator', true)).toEqual(['administrator']);
    expect(toggleRole([], 'viewer', false)).toEqual([]);
  });
});
