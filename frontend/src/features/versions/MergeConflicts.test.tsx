import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { MergeConflicts } from './MergeConflicts';

const conflicts = [
  { cube: 'pl', coordinate: { time: '2026-01', account: 'SALES' }, base: 1, ours: 2, theirs: 3 },
  { cube: 'pl', coordinate: { time: '2026-02', account: 'SALES' }, base: 1, ours: 4, theirs: 5 },
];

describe('MergeConflicts', () => {
  it('sends one choice per conflict, keyed by its label, only when every conflict has one', () => {
    const onResolve = vi.fn();
    render(<MergeConflicts conflicts={conflicts} total={2} busy={false} onResolve={onResolve} dimensionName={(d) => d} />);
    fireEvent.click(screen.getAllByLabelText('theirs')[0]!);
    fireEvent.click(screen.getByRole('button', { name: 'Merge with these choices' }));
    expect(onResolve).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toBe('1 conflict still need a choice.');

    fireEvent.change(screen.getByLabelText('Value for pl: time 2026-02, account SALES'), { target: { value: '4.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Merge with these choices' }));
    expect(onResolve).toHaveBeenCalledWith({
      'pl|account=SALES,time=2026-01': 'theirs',
      'pl|account=SALES,time=2026-02': 4.5,
    });
  });
});
