// Follows one background job at a time: start it with the job the API answered, get every update while the page
// stays usable, cancel it, or forget it. Polling stops when the component unmounts.
import { useCallback, useEffect, useRef, useState } from 'react';
import { pollJob, jobsApi, isFinished, type Job } from './jobs';

export interface JobTracker {
  job: Job | null;
  /** Polling itself failed (not the job): the API's message. */
  error: string | null;
  running: boolean;
  /** Follow this job (as returned by the request that queued it); resolves with the finished job. */
  follow: (job: Job) => Promise<Job | null>;
  cancel: () => Promise<void>;
  reset: () => void;
}

/** A job that ends (e.g. fails) is reported with the progress it had reached, not less: the bar never jumps back. */
export function steady(previous: Job | null, update: Job): Job {
  if (!previous || previous.id !== update.id || update.progress >= previous.progress) return update;
  return { ...update, progress: previous.progress, message: update.message || previous.message };
}

export function useJob(): JobTracker {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const follow = useCallback(async (started: Job) => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setJob(started);
    setError(null);
    if (isFinished(started)) return started;
    try {
      return await pollJob(started.id, {
        signal: current.signal,
        onUpdate: (update) => {
          if (!current.signal.aborted) setJob((previous) => steady(previous, update));
        },
      });
    } catch (cause) {
      if (current.signal.aborted) return null;
      setError(cause instanceof Error ? cause.message : String(cause));
      return null;
    }
  }, []);

  const cancel = useCallback(async () => {
    if (!job) return;
    try {
      const answer = await jobsApi.cancel(job.id);
      setJob((current) => (current && current.id === answer.id && !isFinished(current) ? answer : current));
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  }, [job]);

  const reset = useCallback(() => {
    controller.current?.abort();
    controller.current = null;
    setJob(null);
    setError(null);
  }, []);

  return { job, error, running: job !== null && !isFinished(job), follow, cancel, reset };
}
