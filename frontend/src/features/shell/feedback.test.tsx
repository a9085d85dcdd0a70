// Unit tests for the shared feedback pieces: a list's loading, failed and empty states, and useAction's outcome.
import { describe, expect, it } from 'vitest';
import { act, render, renderHook, screen } from '@testing-library/react';
import { ListStatus, OutcomeText } from './feedback';
import { useAction } from './useAction';

describe('ListStatus', () => {
  const texts = { loading: 'Loading the history…', empty: 'Nothing yet.' };

  it('shows the error, the loading text, or the empty text once loaded with nothing shown', () => {
    const { rerender, container } = render(<ListStatus load={{ status: 'failed', error: 'No way.' }} shown={0} {...texts} />);
    expect(screen.getByRole('alert').textContent).toBe('No way.');
    rerender(<ListStatus load={{ status: 'loading' }} shown={0} {...texts} />);
    expect(container.textContent).toBe('Loading the history…');
    rerender(<ListStatus load={{ status: 'loaded' }} shown={0} {...texts} />);
    expect(container.textContent).toBe('Nothing yet.');
    rerender(<ListStatus load={{ status: 'loaded' }} shown={2} {...texts} />);
    expect(container.textContent).toBe('');
    rerender(<ListStatus load={{ status: 'loading' }} shown={0} empty="Nothing yet." />);
    expect(container.textContent).toBe('');
  });
});

describe('useAction', () => {
  it('marks the running action busy and keeps its text, or its error, as the outcome', async () => {
    const { result } = renderHook(() => useAction<string>());
    let finish: (text: string) => void = () => undefined;
    let running: Promise<void> = Promise.resolve();
    act(() => {
      running = result.current.run('E1', () => new Promise<string>((resolve) => (finish = resolve)));
    });
    expect(result.current.busy).toBe('E1');
    await act(async () => {
      finish('Done.');
      await running;
    });
    expect(result.current).toMatchObject({ busy: null, outcome: { ok: true, text: 'Done.' } });

    await act(() => result.current.run('E2', () => Promise.reject(new Error('Refused.'))));
    expect(result.current).toMatchObject({ busy: null, outcome: { ok: false, text: 'Refused.' } });
    await act(() => result.current.run('E3', async () => undefined));
    expect(result.current.outcome).toBeNull(); // an action that says nothing clears the last outcome
  });

  it('shows a done outcome as a status and a failed one as an alert', () => {
    const { rerender } = render(<OutcomeText outcome={{ ok: true, text: 'Saved.' }} />);
    expect(screen.getByRole('status').textContent).toBe('Saved.');
    rerender(<OutcomeText outcome={{ ok: false, text: 'Refused.' }} />);
    expect(screen.getByRole('alert').textContent).toBe('Refused.');
  });
});
