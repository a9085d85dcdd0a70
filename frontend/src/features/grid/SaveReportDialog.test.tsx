// The "Save as report" dialog against a stubbed API: the code follows the name until edited, the API's refusal is
// shown as its message, and a saved report is offered as a link into the Reports area.
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import type { ReportDefinition } from '../reports/types';
import { SaveReportDialog } from './SaveReportDialog';

const definition: ReportDefinition = {
  query: { rows: [{ dimension: 'account', members: ['NI'] }], columns: [{ dimension: 'time', members: ['JAN'] }], filters: { entity: 'E1' } },
  display: { layout: 'plain' },
};
const DUPLICATE = "Model 'acme' already has a report 'sales-plan'; choose another code.";

afterEach(() => resetCsrfToken());

function open() {
  const posted: unknown[] = [];
  stubFetch({
    'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
    'POST /api/v1/models/acme/reports/': (init) => {
      const body = JSON.parse(String(init?.body)) as { code: string; name: string };
      posted.push(body);
      if (body.code === 'sales-plan') return { status: 409, body: { error: { code: 'conflict', message: DUPLICATE } } };
      return { status: 201, body: { ...body, kind: 'grid', cube: 'pl', created_by: 'petra', editable: true, updated_at: '' } };
    },
  });
  render(
    <MemoryRouter>
      <SaveReportDialog model="acme" cube="pl" initialName="P&L" definition={definition} onClose={() => undefined} />
    </MemoryRouter>,
  );
  return posted;
}

describe('SaveReportDialog', () => {
  it('shows the API refusal, then saves under an edited code and links to the report', async () => {
    const posted = open();
    const name = screen.getByLabelText('Report name');
    const code = screen.getByLabelText('Report code') as HTMLInputElement;
    expect(code.value).toBe('p-l');
    fireEvent.change(name, { target: { value: 'Sales plan' } });
    expect(code.value).toBe('sales-plan');

    fireEvent.click(screen.getByRole('button', { name: 'Save report' }));
    expect((await screen.findByRole('alert')).textContent).toBe(DUPLICATE);

    fireEvent.change(code, { target: { value: 'sales-plan-2' } });
    fireEvent.change(name, { target: { value: 'Sales plan (North)' } });
    expect(code.value).toBe('sales-plan-2'); // an edited code no longer follows the name
    fireEvent.click(screen.getByRole('button', { name: 'Save report' }));
    const link = await screen.findByRole('link', { name: 'Open the report' });
    expect(link.getAttribute('href')).toBe('/app/reports/acme/sales-plan-2');
    expect(screen.getByRole('status').textContent).toContain('Sales plan (North)');
    expect(posted).toEqual([
      { code: 'sales-plan', name: 'Sales plan', kind: 'grid', cube: 'pl', definition, shared: false },
      { code: 'sales-plan-2', name: 'Sales plan (North)', kind: 'grid', cube: 'pl', definition, shared: false },
    ]);
  });

  it('refuses a code the API would refuse without asking it', () => {
    const posted = open();
    fireEvent.change(screen.getByLabelText('Report code'), { target: { value: 'sales plan' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save report' }));
    expect(screen.getByRole('alert').textContent).toMatch(/letters, digits/);
    expect(posted).toEqual([]);
  });
});
