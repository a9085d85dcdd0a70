// Component tests for the cell panel's comments: the cell's thread, adding to it, and the grid's count that follows.
import { afterEach, describe, expect, it } from 'vitest';
import { act, fireEvent, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import { resetCsrfToken } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import { CellPanel } from './CellPanel';
import { commentAdded, commentCount, onCommentAdded } from './comments';
import { sampleAnswer, trees } from './testData';
import type { Comment, GridQuery } from './types';
import { useGridData } from './useGridData';

const ref = { model: 'acme', cube: 'pl' };
const CUBE = '/api/v1/models/acme/cubes/pl';
const cell = { account: 'RENT', time: 'FEB', entity: 'E1', version: 'budget' };
const comment = (id: number, author: string, text: string): Comment => ({
  id,
  thread: 'account=1;entity=2;time=3;version=4',
  coordinate: cell,
  author,
  text,
  created_at: '2026-03-01T10:00:00+00:00',
  copied_from: null,
});

afterEach(() => resetCsrfToken());

describe('CellPanel comments', () => {
  it('lists the thread, adds a comment and tells the grid', async () => {
    const posted: unknown[] = [];
    const heard: unknown[] = [];
    stubFetch({
      'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
      [`POST ${CUBE}/explain`]: { body: { coordinate: cell, value: 30, children: [] } },
      [`POST ${CUBE}/history`]: { body: { changes: [] } },
      [`GET ${CUBE}/comments/?coordinate=${encodeURIComponent(JSON.stringify(cell))}`]: {
        body: [comment(1, 'pia', 'Rent rises in February.')],
      },
      [`POST ${CUBE}/comments/`]: (init) => {
        posted.push(JSON.parse(String(init?.body)));
        return { status: 201, body: comment(2, 'ada', 'Agreed.') };
      },
    });
    const { unmount } = render(<CellPanel cube={ref} coordinate={cell} leaf dataVersion={7} locale="en-US" names={{}} />);
    const stop = onCommentAdded((event) => heard.push(event));
    const section = screen.getByRole('region', { name: 'Comments' });
    expect(await within(section).findByText('Rent rises in February.')).toBeTruthy();
    expect(within(section).getByText(/^pia · /)).toBeTruthy();
    const button = within(section).getByRole('button', { name: 'Add comment' });
    expect((button as HTMLButtonElement).disabled).toBe(true); // nothing written yet
    fireEvent.change(within(section).getByLabelText('New comment'), { target: { value: 'Agreed.' } });
    fireEvent.click(button);
    expect(await within(section).findByText('Agreed.')).toBeTruthy();
    expect(within(section).getAllByRole('listitem')).toHaveLength(2);
    expect(posted).toEqual([{ coordinate: cell, text: 'Agreed.' }]);
    expect(heard).toEqual([{ ...ref, coordinate: cell }]);
    expect((within(section).getByLabelText('New comment') as HTMLTextAreaElement).value).toBe('');
    stop();
    unmount();
  });

  it('says why a comment was refused and keeps the text', async () => {
    stubFetch({
      'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
      [`POST ${CUBE}/explain`]: { body: { coordinate: cell, value: 30, children: [] } },
      [`GET ${CUBE}/comments/?coordinate=${encodeURIComponent(JSON.stringify(cell))}`]: { body: [] },
      [`POST ${CUBE}/comments/`]: {
        status: 400,
        body: { error: { code: 'invalid', message: 'The comment is empty; write some text.', request_id: 'r' } },
      },
    });
    render(<CellPanel cube={ref} coordinate={cell} leaf={false} dataVersion={7} locale="en-US" names={{}} />);
    const section = screen.getByRole('region', { name: 'Comments' });
    expect(await within(section).findByText('No comments on this cell.')).toBeTruthy();
    fireEvent.change(within(section).getByLabelText('New comment'), { target: { value: 'x' } });
    fireEvent.click(within(section).getByRole('button', { name: 'Add comment' }));
    expect((await within(section).findByRole('alert')).textContent).toContain('The comment is empty');
    expect((within(section).getByLabelText('New comment') as HTMLTextAreaElement).value).toBe('x');
  });
});

describe('useGridData and comments', () => {
  it('counts a comment added on a cell of its cube, and not one of another cube', async () => {
    const query: GridQuery = {
      rows: [{ dimension: 'account', members: ['NI', 'REV', 'SALES', 'DISC', 'COST', 'RENT', 'WAGES', 'MARGIN'] }],
      columns: [{ dimension: 'time', members: ['JAN', 'FEB', 'MAR', 'Q1'] }],
      filters: { entity: 'E1', version: 'budget' },
    };
    stubFetch({
      'GET /api/v1/auth/csrf': { body: { csrf_token: 't' } },
      [`POST ${CUBE}/query`]: { body: { ...sampleAnswer(), comments: [[5, 1, 1]] } },
    });
    const { result } = renderHook(() => useGridData(ref, query, trees));
    await waitFor(() => expect(result.current.answer).not.toBeNull());
    expect(commentCount(result.current.answer!, 5, 1)).toBe(1);
    act(() => commentAdded({ model: 'acme', cube: 'other', coordinate: cell }));
    expect(commentCount(result.current.answer!, 5, 1)).toBe(1);
    act(() => commentAdded({ ...ref, coordinate: cell }));
    expect(commentCount(result.current.answer!, 5, 1)).toBe(2);
  });
});
