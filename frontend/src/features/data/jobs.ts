// Background jobs (imports, exports, templates): their shape, and polling one until it ends without ever
// blocking the page.
import { api, ApiError, type RequestOptions } from '../../api/client';
import type { Schemas } from '../../api/typed';

export type JobStatus = Schemas['JobStatusEnum'];

export interface ImportErrorItem {
  line: number;
  column: string;
  value: string;
  reason: string;
}

export interface ImportControl {
  rows: number;
  valid: number;
  bad_rows: number;
  sum_by_version: Record<string, number>;
}

/** What jobs put in `result` (imports, exports, template uploads); every field is optional. */
export interface JobResult {
  files?: string[];
  errors?: ImportErrorItem[];
  control?: ImportControl | null;
  batch?: string;
  status?: string;
  rows?: number;
  bad_rows?: number;
  changed?: number;
  duplicate_of?: string;
  columns?: number;
  conflicts?: unknown[];
  [key: string]: unknown;
}

export type Job = Omit<Schemas['Job'], 'result'> & { result: JobResult | null };

export const FINISHED: ReadonlySet<JobStatus> = new Set<JobStatus>(['succeeded', 'failed', 'cancelled']);

export function isFinished(job: Pick<Job, 'status'>): boolean {
  return FINISHED.has(job.status);
}

export function jobUrl(id: string): string {
  return `/api/v1/jobs/${encodeURIComponent(id)}`;
}

export function jobFileUrl(id: string, name: string): string {
  return `${jobUrl(id)}/files/${encodeURIComponent(name)}`;
}

export const jobsApi = {
  get: (id: string, options?: RequestOptions) => api.get<Job>(jobUrl(id), options),
  cancel: (id: string) => api.post<Job>(`${jobUrl(id)}/cancel`),
};

export interface PollOptions {
  fetchJob?: (id: string, options: RequestOptions) => Promise<Job>;
  onUpdate?: (job: Job) => void;
  signal?: AbortSignal;
  /** Waits between polls, in ms: the first polls come quickly, then every last value. */
  intervals?: number[];
  /** How many failed polls in a row (network, 5xx) are retried before giving up. */
  retries?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_INTERVALS = [300, 500, 800, 1000, 1500];

/** Resolves after `ms`, or rejects with an AbortError when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('Aborted', 'AbortError'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DOMException('Aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function transient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.status === 429);
}

/** Polls a job until it succeeds, fails or is cancelled, reporting every answer; resolves with the final job.
 * Passing network hiccups are retried; a 4xx (e.g. the job is not yours) ends the polling with that error. */
export async function pollJob(id: string, options: PollOptions = {}): Promise<Job> {
  const {
    fetchJob = (jobId, request) => jobsApi.get(jobId, request),
    onUpdate,
    signal,
    intervals = DEFAULT_INTERVALS,
    retries = 5,
    sleep: wait = sleep,
  } = options;
  let attempt = 0;
  let failures = 0;
  for (;;) {
    let job: Job | null = null;
    try {
      job = await fetchJob(id, { signal });
      failures = 0;
    } catch (error) {
      if (signal?.aborted || !transient(error) || failures >= retries) throw error;
      failures += 1;
    }
    if (job) {
      onUpdate?.(job);
      if (isFinished(job)) return job;
    }
    const delay = intervals[Math.min(attempt, intervals.length - 1)] ?? 1000;
    attempt += 1;
    await wait(delay, signal);
  }
}

/** A short human label of a job's state. */
export function statusLabel(status: JobStatus): string {
  switch (status) {
    case 'queued':
      return 'Waiting for a worker';
    case 'running':
      return 'Running';
    case 'succeeded':
      return 'Done';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
    default:
      return status;
  }
}
