import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { JobProgress } from './JobProgress';
import type { Job } from './jobs';

const base: Job = {
  id: 'j 1',
  kind: 'export.run',
  status: 'running',
  progress: 37.6,
  message: 'Writing export.xlsx',
  error: '',
  result: null,
  attempts: 1,
  cancel_requested: false,
  created_by: 'petra',
  created_at: '',
  started_at: null,
  finished_at: null,
  updated_at: '',
};

describe('JobProgress', () => {
  it('exposes the progress as a labelled progressbar and offers Cancel while running', () => {
    const onCancel = vi.fn();
    render(<JobProgress job={base} label="Export progress" onCancel={onCancel} showFiles />);
    const bar = screen.getByRole('progressbar', { name: 'Export progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('38');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(bar.getAttribute('aria-valuetext')).toBe('38 % – Writing export.xlsx');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledOnce();
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('offers the files of a finished job and shows the error of a failed one', () => {
    const { rerender } = render(
      <JobProgress job={{ ...base, status: 'succeeded', progress: 100, result: { files: ['export.xlsx'] } }} label="Export progress" showFiles />,
    );
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Download export.xlsx' }).getAttribute('href')).toBe('/api/v1/jobs/j%201/files/export.xlsx');
    rerender(<JobProgress job={{ ...base, status: 'failed', error: 'The grid query names no rows.' }} label="Export progress" showFiles />);
    expect(screen.getByRole('alert').textContent).toBe('The grid query names no rows.');
  });
});
