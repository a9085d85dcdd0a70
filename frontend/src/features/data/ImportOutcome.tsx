// What a finished check or import found: its control totals and every bad row (read from errors.csv, which lists
// them all; the job's own answer lists only the first ones).
import { useEffect, useState } from 'react';
import { parseErrorsCsv, type ErrorRow } from './csv';
import { dataApi } from './dataApi';
import { formatNumber, messageOf } from './common';
import { jobFileUrl, type Job } from './jobs';

/** Bad rows shown on the page; errors.csv has them all. */
export const SHOWN_ERRORS = 2000;

export function ControlTotals({ control }: { control: Record<string, unknown> | null | undefined }) {
  if (!control) return null;
  const sums = (control.sum_by_version ?? {}) as Record<string, number>;
  const count = (name: string) => (typeof control[name] === 'number' ? formatNumber(control[name] as number) : '—');
  return (
    <table className="table control-table">
      <caption>Control totals</caption>
      <tbody>
        <tr>
          <th scope="row">Rows in the file</th>
          <td className="number">{count('rows')}</td>
        </tr>
        <tr>
          <th scope="row">Valid rows</th>
          <td className="number">{count('valid')}</td>
        </tr>
        <tr>
          <th scope="row">Bad rows</th>
          <td className="number">{count('bad_rows')}</td>
        </tr>
        {Object.entries(sums).map(([version, sum]) => (
          <tr key={version}>
            <th scope="row">Sum of valid values, version {version || '—'}</th>
            <td className="number">{formatNumber(sum)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ImportOutcome({ job, checkOnly }: { job: Job; checkOnly: boolean }) {
  const result = job.result ?? {};
  const listed: ErrorRow[] = (result.errors ?? []).map((e) => ({ ...e, line: Number(e.line) }));
  const hasReport = (result.files ?? []).includes('errors.csv');
  const [rows, setRows] = useState<ErrorRow[]>(listed);
  const [reportError, setReportError] = useState<string | null>(null);

  useEffect(() => {
    if (!hasReport) return;
    let alive = true;
    dataApi
      .jobFileText(job.id, 'errors.csv')
      .then((text) => {
        const all = parseErrorsCsv(text);
        if (alive && all.length) setRows(all);
      })
      .catch((error: unknown) => {
        if (alive) setReportError(`The full list of bad rows could not be read (${messageOf(error)}); the first ones are shown.`);
      });
    return () => {
      alive = false;
    };
  }, [job.id, hasReport]);

  const control = (result.control ?? null) as Record<string, unknown> | null;
  const badLines = new Set(rows.map((r) => r.line)).size;
  return (
    <div className="import-outcome">
      {job.status === 'failed' && (
        <p role="alert" className="form-error">
          {job.error}
        </p>
      )}
      {job.status === 'succeeded' && result.duplicate_of && (
        <p role="status" className="ok-text">
          {job.message}
        </p>
      )}
      {job.status === 'succeeded' && !result.duplicate_of && (
        <p role="status" className="ok-text">
          {checkOnly
            ? `The file is valid${rows.length ? ' apart from the bad rows below' : ''}: nothing was applied.`
            : `Imported: ${formatNumber(result.changed ?? 0)} cell(s) changed.`}
        </p>
      )}
      <ControlTotals control={control} />
      {rows.length > 0 && (
        <>
          <div className="table-scroll errors-scroll">
            <table className="table errors-table">
              <caption>
                Bad rows ({formatNumber(badLines)} line{badLines === 1 ? '' : 's'})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Column</th>
                  <th scope="col">Value</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, SHOWN_ERRORS).map((row, index) => (
                  <tr key={`${row.line}-${row.column}-${index}`}>
                    <td className="number">{row.line}</td>
                    <td>{row.column || '—'}</td>
                    <td>{row.value}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length > SHOWN_ERRORS && (
            <p className="muted">
              The first {formatNumber(SHOWN_ERRORS)} of {formatNumber(rows.length)} problems are shown; errors.csv has them all.
            </p>
          )}
        </>
      )}
      {reportError && <p className="muted">{reportError}</p>}
      {hasReport && (
        <p>
          <a className="button" href={jobFileUrl(job.id, 'errors.csv')} download="errors.csv">
            Download errors.csv
          </a>
        </p>
      )}
    </div>
  );
}
