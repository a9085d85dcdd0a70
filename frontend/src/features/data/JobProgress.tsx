// A job's progress bar (role=progressbar with its value), message and outcome, with Cancel while it runs and
// links to the files it produced once it is done.
import type { ReactNode } from 'react';
import { isFinished, jobFileUrl, statusLabel, type Job } from './jobs';

export interface JobProgressProps {
  job: Job;
  /** Names the bar for assistive technology, e.g. "Import progress". */
  label: string;
  onCancel?: () => void;
  /** Offer the job's files (result.files) for download when it has succeeded. */
  showFiles?: boolean;
  /** Shown under the bar in place of the job's own error when it failed (e.g. a preview of bad rows). */
  children?: ReactNode;
}

export function JobProgress({ job, label, onCancel, showFiles = false, children }: JobProgressProps) {
  const finished = isFinished(job);
  const percent = Math.max(0, Math.min(100, Math.round(job.progress ?? 0)));
  const text = job.message || statusLabel(job.status);
  const files = job.status === 'succeeded' && showFiles ? (job.result?.files ?? []) : [];
  return (
    <div className={`job job-${job.status}`}>
      <div className="job-line">
        <div
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent} % – ${text}`}
          className="progress"
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        <span className="progress-percent">{percent} %</span>
        {!finished && onCancel && (
          <button type="button" className="button button-small" onClick={onCancel} disabled={job.cancel_requested}>
            {job.cancel_requested ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <p className="job-message" aria-live="polite">
        <span className={`badge badge-${job.status}`}>{statusLabel(job.status)}</span> {job.message}
      </p>
      {job.status === 'failed' && !children && (
        <p role="alert" className="form-error">
          {job.error}
        </p>
      )}
      {job.status === 'cancelled' && job.error && <p className="muted">{job.error}</p>}
      {children}
      {files.length > 0 && (
        <ul className="file-links">
          {files.map((name) => (
            <li key={name}>
              <a className="button" href={jobFileUrl(job.id, name)} download={name}>
                Download {name}
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
