// The import page's flow against a stubbed API: read a CSV header, map its columns, check the file and watch
// the job's progress bar, then see every bad row from errors.csv with the control totals.
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import { ImportPanel } from './ImportPanel';
import type { Member } from './dataApi';
import type { Job } from './jobs';

afterEach(() => resetCsrfToken());

const DIMENSIONS = [
  { code: 'account', name: 'Account', kind: 'account' },
  { code: 'entity', name: 'Entity', kind: 'entity' },
  { code: 'time', name: 'Time', kind: 'time' },
  { code: 'version', name: 'Version', kind: 'version' },
];
const member = (code: string, parent: string | null = null) =>
  ({ code, name: code, parent, ratio_numerator: null, ratio_denominator: null }) as Member;
const MEMBERS: Record<string, Member[]> = {
  account: [member('SALES')],
  entity: [member('E1')],
  time: [member('FY2026'), member('2026-01', 'FY2026')],
  version: [member('actual'), member('budget')],
};

function job(status: Job['status'], progress: number, extra: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    kind: 'import.run',
    status,
    progress,
    message: `at ${progress}`,
    error: '',
    result: null,
    attempts: 1,
    cancel_requested: false,
    created_by: 'petra',
    created_at: '2026-01-01T00:00:00Z',
    started_at: null,
    finished_at: null,
    updated_at: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

describe('ImportPanel', () => {
  it('maps a CSV, checks it with a progress bar and lists every bad row', async () => {
    const answers = [
      job('running', 40),
      job('failed', 70, {
        error: '2 row(s) of actuals.csv cannot be imported; nothing was changed.',
        result: {
          files: ['errors.csv'],
          errors: [{ line: 3, column: 'Account', value: 'NOPE', reason: "account has no member 'NOPE'" }],
          control: { rows: 3, valid: 1, bad_rows: 2, sum_by_version: { actual: 5 } },
        },
      }),
    ];
    let uploaded: FormData | null = null;
    stubFetch({
      'GET /api/v1/models/acme/cubes/pl/mappings/': { body: [] },
      'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
      'POST /api/v1/models/acme/cubes/pl/imports/': (init) => {
        uploaded = init?.body as FormData;
        return { status: 202, body: { id: 'b1', job: job('queued', 0) } };
      },
      'GET /api/v1/jobs/job-1': () => ({ body: answers.length > 1 ? answers.shift() : answers[0] }),
      'GET /api/v1/jobs/job-1/files/errors.csv': {
        body: "line,column,value,reason\n3,Account,NOPE,account has no member 'NOPE'\n4,Amount,abc,'abc' is not a number\n",
      },
    });
    render(<ImportPanel model="acme" cube="pl" dimensions={DIMENSIONS} members={MEMBERS} onFinished={() => undefined} />);

    const file = new File(['Account,Entity,Month,Amount\nSALES,E1,2026-01,5\nNOPE,E1,2026-01,1\nSALES,E1,2026-01,abc\n'], 'actuals.csv', {
      type: 'text/csv',
    });
    fireEvent.change(screen.getByLabelText('File to import (CSV or XLSX)'), { target: { files: [file] } });

    // Guessed roles; the month column and the version are still open.
    expect(await screen.findByLabelText('Column Amount holds')).toHaveProperty('value', 'value');
    expect(screen.getByText('Map a column to Time, or choose a fixed member for it.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Check file' })).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByLabelText('Column Month holds'), { target: { value: 'dim:time' } });
    fireEvent.change(screen.getByLabelText('Fixed Version'), { target: { value: 'actual' } });
    expect(screen.queryByText(/Before you can check/)).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Check file' }));
    const bar = await screen.findByRole('progressbar', { name: 'Check progress' });
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('40'));
    const table = await screen.findByRole('table', { name: /Bad rows/ });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3)); // header + both bad rows
    expect(within(table).getByText("'abc' is not a number")).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('2 row(s) of actuals.csv cannot be imported');
    expect(screen.getByRole('link', { name: 'Download errors.csv' }).getAttribute('href')).toBe('/api/v1/jobs/job-1/files/errors.csv');
    const control = screen.getByRole('table', { name: 'Control totals' });
    expect(within(control).getByText('Sum of valid values, version actual').nextSibling?.textContent).toBe('5');

    const form = uploaded as unknown as FormData;
    expect(form.get('validate_only')).toBe('true');
    expect(JSON.parse(form.get('mapping') as string)).toEqual({
      columns: { Account: { dimension: 'account' }, Entity: { dimension: 'entity' }, Month: { dimension: 'time' }, Amount: { value: true } },
      fixed: { version: 'actual' },
    });
  });
});
