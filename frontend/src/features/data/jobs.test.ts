import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { stubFetch } from '../../test/fetchStub';
import { isFinished, pollJob, sleep, type Job } from './jobs';

function job(status: Job['status'], progress: number, extra: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    kind: 'import.run',
    status,
    progress,
    message: '',
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

const noWait = () => Promise.resolve();

describe('pollJob', () => {
  it('polls until the job ends, reporting every answer, waiting longer as it goes', async () => {
    const answers = [job('queued', 0), job('running', 40), job('running', 80), job('succeeded', 100)];
    const fetchJob = vi.fn(async () => answers.shift() as Job);
    const waits: number[] = [];
    const updates: number[] = [];
    const final = await pollJob('j1', {
      fetchJob,
      onUpdate: (j) => updates.push(j.progress),
      sleep: async (ms) => {
        waits.push(ms);
      },
      intervals: [100, 200, 400],
    });
    expect(final.status).toBe('succeeded');
    expect(updates).toEqual([0, 40, 80, 100]);
    expect(waits).toEqual([100, 200, 400]);
    expect(fetchJob).toHaveBeenCalledTimes(4);
  });

  it('ends on failed and cancelled jobs too', async () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const final = await pollJob('j1', { fetchJob: async () => job(status, 30), sleep: noWait });
      expect(final.status).toBe(status);
    }
  });

  it('retries passing network and server errors, then gives up', async () => {
    const network = new ApiError({ code: 'network_error', message: 'offline', status: 0 });
    const answers: (Job | ApiError)[] = [network, new ApiError({ code: 'http_502', message: 'bad gateway', status: 502 }), job('succeeded', 100)];
    const fetchJob = vi.fn(async () => {
      const next = answers.shift();
      if (next instanceof ApiError) throw next;
      return next as Job;
    });
    expect((await pollJob('j1', { fetchJob, sleep: noWait })).status).toBe('succeeded');

    const always = vi.fn(async () => {
      throw network;
    });
    await expect(pollJob('j1', { fetchJob: always, sleep: noWait, retries: 2 })).rejects.toBe(network);
    expect(always).toHaveBeenCalledTimes(3);
  });

  it('stops at once on a 4xx answer', async () => {
    const missing = new ApiError({ code: 'not_found', message: 'There is no job j1.', status: 404 });
    const fetchJob = vi.fn(async () => {
      throw missing;
    });
    await expect(pollJob('j1', { fetchJob, sleep: noWait })).rejects.toThrow('There is no job j1.');
    expect(fetchJob).toHaveBeenCalledTimes(1);
  });

  it('stops when aborted while waiting', async () => {
    const controller = new AbortController();
    const fetchJob = vi.fn(async () => job('running', 10));
    const polling = pollJob('j1', { fetchJob, signal: controller.signal, intervals: [10_000] });
    await vi.waitFor(() => expect(fetchJob).toHaveBeenCalledTimes(1));
    controller.abort();
    await expect(polling).rejects.toMatchObject({ name: 'AbortError' });
    expect(fetchJob).toHaveBeenCalledTimes(1);
  });

  it('reads the job from the API by default', async () => {
    const fetchMock = stubFetch({ 'GET /api/v1/jobs/j1': { body: job('succeeded', 100) } });
    expect((await pollJob('j1', { sleep: noWait })).progress).toBe(100);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});

describe('sleep and isFinished', () => {
  it('sleep rejects at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sleep(1000, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('knows which states are final', () => {
    expect(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => isFinished({ status: s as Job['status'] }))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});

describe('steady', () => {
  it('keeps the progress a job had reached when its final answer reports less', async () => {
    const { steady } = await import('./useJob');
    const running = job('running', 70, { message: 'Checked 20,000 rows' });
    expect(steady(running, job('failed', 0))).toMatchObject({ status: 'failed', progress: 70, message: 'Checked 20,000 rows' });
    expect(steady(running, job('running', 80)).progress).toBe(80);
    expect(steady(running, { ...job('queued', 0), id: 'other' }).progress).toBe(0);
    expect(steady(null, job('queued', 0)).progress).toBe(0);
  });
});
