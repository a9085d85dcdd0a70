// Page test with a stubbed API: the cube's grid loads from the address, and typing at a total spreads it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import { CubePage } from './CubePage';
import { accounts, entities, periods, sampleAnswer, versions } from './testData';

const BASE = '/api/v1/models/acme';
const sizes = { clientHeight: 600, clientWidth: 1200 };
beforeAll(() => {
  for (const [name, value] of Object.entries(sizes)) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
  }
});
afterAll(() => {
  for (const name of Object.keys(sizes)) delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
});
afterEach(() => resetCsrfToken());

function serve() {
  const spreads: unknown[] = [];
  stubFetch({
    'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
    [`GET ${BASE}/cubes/pl`]: { body: { code: 'pl', name: 'P&L', dimensions: ['account', 'entity', 'time', 'version'], data_version: 7 } },
    [`GET ${BASE}/dimensions/`]: {
      body: ['account', 'entity', 'time', 'version'].map((code) => ({
        code,
        name: code[0]!.toUpperCase() + code.slice(1),
        kind: code,
        structure_version: 1,
      })),
    },
    [`GET ${BASE}`]: { body: { code: 'acme', name: 'Acme', reporting_currency: 'EUR' } },
    [`GET ${BASE}/dimensions/account/members/`]: { body: [...accounts.members.values()] },
    [`GET ${BASE}/dimensions/entity/members/`]: { body: [...entities.members.values()] },
    [`GET ${BASE}/dimensions/time/members/`]: { body: [...periods.members.values()] },
    [`GET ${BASE}/dimensions/version/members/`]: { body: [...versions.members.values()] },
    [`POST ${BASE}/cubes/pl/query`]: { body: sampleAnswer() },
    [`POST ${BASE}/cubes/pl/explain`]: { body: { coordinate: {}, value: 1, children: [] } },
    [`POST ${BASE}/cubes/pl/history`]: { body: { changes: [] } },
    [`POST ${BASE}/cubes/pl/spread`]: (init) => {
      spreads.push(JSON.parse(String(init?.body)));
      return { body: { batch: 'b', changed: 2, cells: 2, held: 0, method: 'even', notes: [], data_version: 8 } };
    },
  });
  return spreads;
}

describe('CubePage', () => {
  it('opens the grid with its layout controls and spreads a value typed at a total', async () => {
    const spreads = serve();
    render(
      <MemoryRouter initialEntries={['/app/models/acme/cubes/pl']}>
        <Routes>
          <Route path="/app/models/:model/cubes/:cube" element={<CubePage />} />
        </Routes>
      </MemoryRouter>,
    );
    const grid = await screen.findByRole('grid', { name: 'P&L grid' });
    expect(screen.getByRole('heading', { name: 'P&L' })).toBeTruthy();
    expect((screen.getByLabelText('Version member') as HTMLSelectElement).value).toBe('budget');
    expect((screen.getByLabelText('Account placement') as HTMLSelectElement).value).toBe('rows');

    const total = grid.querySelector('[data-row-key="REV"] [data-col-key="JAN"]') as HTMLElement;
    fireEvent.mouseDown(total, { button: 0 });
    fireEvent.keyDown(grid, { key: '9' });
    const dialog = screen.getByRole('dialog', { name: 'Spread a total' });
    fireEvent.change(within(dialog).getByLabelText('New total'), { target: { value: '900' } });
    fireEvent.click(within(dialog).getByLabelText('Evenly'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Spread' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(spreads).toEqual([
      { coordinate: { entity: 'E1', version: 'budget', account: 'REV', time: 'JAN' }, value: 900, method: 'even', held: [] },
    ]);
    expect(await screen.findByText(/Spread over 2 cells \(2 changed\)/)).toBeTruthy();
  });
});
