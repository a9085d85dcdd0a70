// Tests for the grid's data hook against a stubbed API: write with row versions and a fast re-read of the
// affected rows, a stale write that reloads, and undo that writes the old values back.
import { afterEach, describe, expect, it } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import { sampleAnswer, trees } from './testData';
import type { GridQuery } from './types';
import { useGridData } from './useGridData';

const ref = { model: 'acme', cube: 'pl' };
const QUERY = '/api/v1/models/acme/cubes/pl/query';
const CELLS = '/api/v1/models/acme/cubes/pl/cells';
const query: GridQuery = {
  rows: [{ dimension: 'account', members: ['NI', 'REV', 'SALES', 'DISC', 'COST', 'RENT', 'WAGES', 'MARGIN'] }],
  columns: [{ dimension: 'time', members: ['JAN', 'FEB', 'MAR', 'Q1'] }],
  filters: { entity: 'E1', version: 'budget' },
};
const sent = (init: RequestInit | undefined) => JSON.parse(String(init?.body)) as Record<string, unknown>;

afterEach(() => resetCsrfToken());

function api(handlers: { cells: (body: Record<string, unknown>) => { status?: number; body: unknown } }) {
  const queries: GridQuery[] = [];
  const writes: Record<string, unknown>[] = [];
  let version = 7;
  const fetchMock = stubFetch({
    'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
    [`POST ${QUERY}`]: (init) => {
      const body = sent(init) as unknown as GridQuery;
      queries.push(body);
      const answer = { ...sampleAnswer(), data_version: version };
      if (body.rows[0]?.members?.length === 4) {
        // the affected rows: Sales, Revenue, Net income, Margin
        const keep = [2, 1, 0, 7];
        answer.rows = { ...answer.rows, headers: keep.map((i) => answer.rows.headers[i]!) };
        answer.values = keep.map((i) => (i === 1 ? [555, 0, 0, 0] : answer.values[i]!));
        answer.editable = keep.map((i) => answer.editable[i]!);
        answer.row_versions = keep.map((i) => answer.row_versions[i]!);
      }
      return { body: answer };
    },
    [`POST ${CELLS}`]: (init) => {
      const body = sent(init);
      writes.push(body);
      const answer = handlers.cells(body);
      if ((answer.status ?? 200) === 200) version++;
      return answer;
    },
  });
  return { fetchMock, queries, writes };
}

describe('useGridData', () => {
  it('writes a cell with its row version, shows it at once and re-reads the affected rows first', async () => {
    const server = api({ cells: () => ({ body: { batch: 'b', changed: 1, unchanged: 0, data_version: 8, row_versions: [4] } }) });
    const { result } = renderHook(() => useGridData(ref, query, trees));
    await waitFor(() => expect(result.current.answer).not.toBeNull());

    let done: Promise<boolean> | undefined;
    act(() => {
      done = result.current.write([{ row: 2, col: 0, value: 250 }], 'Edit');
    });
    expect(result.current.answer!.values[2]![0]).toBe(250); // before the server answers
    await act(async () => void (await done));

    expect(server.writes).toEqual([
      { cells: [{ coordinate: { entity: 'E1', version: 'budget', account: 'SALES', time: 'JAN' }, value: 250, row_version: 3 }] },
    ]);
    expect(server.queries[1]!.rows).toEqual([{ dimension: 'account', members: ['SALES', 'REV', 'NI', 'MARGIN'] }]);
    expect(server.queries[1]!.columns).toEqual(query.columns);
    expect(result.current.answer!.values[1]![0]).toBe(555); // Revenue patched from the affected rows
    expect(result.current.canUndo).toBe(true);
    expect(server.queries).toHaveLength(2); // nothing else on screen depends on the written cell
  });

  it('shows the message of a stale write and reloads what the server holds', async () => {
    const server = api({
      cells: () => ({
        status: 409,
        body: { error: { code: 'stale_write', message: '1 cell(s) changed since you read them; nothing was saved.', conflicts: [] } },
      }),
    });
    const { result } = renderHook(() => useGridData(ref, query, trees));
    await waitFor(() => expect(result.current.answer).not.toBeNull());
    await act(async () => void (await result.current.write([{ row: 2, col: 0, value: 250 }], 'Edit')));
    expect(result.current.message).toEqual({
      kind: 'error',
      text: '1 cell(s) changed since you read them; nothing was saved. The grid was reloaded.',
    });
    expect(server.queries).toHaveLength(2);
    expect(result.current.answer!.values[2]![0]).toBe(100);
    expect(result.current.canUndo).toBe(false);
  });

  it('undoes the last write by writing the old values with the row versions the write left', async () => {
    const server = api({
      cells: (body) => ({
        body: { batch: 'b', changed: 2, unchanged: 0, data_version: 9, row_versions: (body.cells as unknown[]).map(() => 6) },
      }),
    });
    const { result } = renderHook(() => useGridData(ref, query, trees));
    await waitFor(() => expect(result.current.answer).not.toBeNull());
    await act(async () =>
      void (await result.current.write(
        [
          { row: 2, col: 0, value: 1 },
          { row: 5, col: 1, value: 2 },
        ],
        'Pasted 2 cells.',
      )),
    );
    await act(async () => void (await result.current.undo()));
    expect(server.writes[1]).toEqual({
      cells: [
        { coordinate: { entity: 'E1', version: 'budget', account: 'SALES', time: 'JAN' }, value: 100, row_version: 6 },
        { coordinate: { entity: 'E1', version: 'budget', account: 'RENT', time: 'FEB' }, value: 30, row_version: 6 },
      ],
    });
    expect(result.current.message).toEqual({ kind: 'info', text: 'Undid: Pasted 2 cells.' });
    expect(result.current.canUndo).toBe(false);
  });
});
