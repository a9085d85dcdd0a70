// Component test of the closed periods: months grouped by year in date order, locked or open, and Lock/Unlock
// sending the change and showing the new state; no buttons for roles that may not lock.
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import type { Member } from '../data/dataApi';
import { PeriodLocks, yearsOf } from './PeriodLocks';

function period(code: string, parent: string | null, start: string, end: string, locked = false): Member {
  return { code, name: code, parent, start_date: start, end_date: end, locked, ratio_numerator: null, ratio_denominator: null } as Member;
}

const MEMBERS = [
  period('FY2027', null, '2027-01-01', '2027-12-31'),
  period('FY2026', null, '2026-01-01', '2026-12-31'),
  period('Q1-2026', 'FY2026', '2026-01-01', '2026-03-31'),
  period('2026-02', 'Q1-2026', '2026-02-01', '2026-02-28'),
  period('2026-01', 'Q1-2026', '2026-01-01', '2026-01-31', true),
  period('2027-01', 'FY2027', '2027-01-01', '2027-01-31'),
];

afterEach(() => resetCsrfToken());

describe('yearsOf', () => {
  it('lists each year with its leaf periods in date order', () => {
    expect(yearsOf(MEMBERS).map((y) => [y.code, y.months.map((m) => m.code)])).toEqual([
      ['FY2026', ['2026-01', '2026-02']],
      ['FY2027', ['2027-01']],
    ]);
  });
});

describe('PeriodLocks', () => {
  it('locks a month and shows it locked; offers no buttons to those who may not lock', async () => {
    let locked = false;
    const calls = stubFetch({
      'GET /api/v1/models/acme/dimensions/time/members/': () => ({
        body: MEMBERS.map((m) => (m.code === '2026-02' ? { ...m, locked } : m)),
      }),
      'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
      'PATCH /api/v1/models/acme/dimensions/time/members/2026-02': () => {
        locked = true;
        return { body: {} };
      },
    });
    const view = render(<PeriodLocks model="acme" time="time" canLock />);
    fireEvent.click(await screen.findByRole('button', { name: 'Lock 2026-02' }));
    expect(await screen.findByRole('button', { name: 'Unlock 2026-02' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('2026-02 locked.');
    const patch = calls.mock.calls.find(([, init]) => init?.method === 'PATCH');
    expect(JSON.parse(String(patch?.[1]?.body))).toEqual({ locked: true });
    view.unmount();
    render(<PeriodLocks model="acme" time="time" canLock={false} />);
    expect(await screen.findByText('FY2026 — 2 of 2 locked')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });
});
