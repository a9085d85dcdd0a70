// One report: its numbers fetched through the grid query endpoint as the reader, drawn as a table or a chart (cells
// with comments marked), with XLSX/CSV export and "save as".
import { useEffect, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { commentCount, commentLabel } from '../grid/comments';
import { formatValue } from '../grid/numbers';
import { patternOf } from './builders';
import { rollingTable, varianceTable } from './builders';
import { Chart } from './Chart';
import { dataApi } from '../data/dataApi';
import { ErrorText, messageOf } from '../data/common';
import { JobProgress } from '../data/JobProgress';
import { jobFileUrl } from '../data/jobs';
import { useJob } from '../data/useJob';
import { reportsApi } from './reportsApi';
import type { GridAnswer, Report } from './types';
import './reports.css';

const fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
/** A report number: by its account's pattern when the answer gives one, else in whole units. */
const num = (v: number | null | undefined, pattern = '') =>
  v === null || v === undefined ? '' : pattern ? formatValue(v, navigator.language, pattern) : fmt.format(v);

type State = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; report: Report; answer: GridAnswer };

export function useReport(model: string, code: string): State {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setState({ kind: 'loading' });
    reportsApi
      .get(model, code)
      .then(async (report) => {
        const answer = await reportsApi.query(model, report.cube, report.definition.query, controller.signal);
        setState({ kind: 'loaded', report, answer });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setState({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
      });
    return () => controller.abort();
  }, [model, code]);
  return state;
}

interface CellProps {
  answer: GridAnswer;
  row: number;
  /** -1: no column of `values` (nothing to mark). */
  column: number;
  children: ReactNode;
}

/** A number cell of a report table, marked when the answer's cell at (row, column) of `values` has comments. */
function Cell({ answer, row, column, children }: CellProps) {
  const count = column >= 0 ? commentCount(answer, row, column) : 0;
  const label = count ? commentLabel(count) : undefined;
  return (
    <td className={count ? 'has-comments' : undefined} title={label}>
      {children}
      {label && <span className="report-comments" role="img" aria-label={label} />}
    </td>
  );
}

/** The answer's column holding these members (dimension → code), or -1. */
function columnWith(answer: GridAnswer, members: Record<string, string>): number {
  const { dimensions, headers } = answer.columns;
  return headers.findIndex((column) => dimensions.every((d, i) => members[d] === column[i]?.code));
}

export function ReportBody({ report, answer, height }: { report: Report; answer: GridAnswer; height?: number }) {
  if (report.kind === 'chart' && report.definition.chart) {
    return <Chart answer={answer} chart={report.definition.chart} label={report.name} height={height} />;
  }
  const display = report.definition.display ?? {};
  if (display.layout === 'rolling' && display.actual && display.forecast && display.cutoff) {
    const table = rollingTable(answer, display.actual, display.forecast, display.cutoff);
    return (
      <table className="report-table" aria-label={report.name}>
        <thead>
          <tr>
            <th />
            {table.periods.map((p) => (
              <th key={p.code} className={p.source === display.actual ? 'is-actual' : 'is-forecast'}>
                {p.name}
                <small>{p.source}</small>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={row.code}>
              <th style={{ paddingLeft: `${row.level * 0.8 + 0.4}rem` }}>{row.label}</th>
              {row.values.map((v, i) => (
                <Cell key={i} answer={answer} row={r} column={table.periods[i]!.column}>
                  {num(v, patternOf(answer, r))}
                </Cell>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  const table = varianceTable(answer);
  if (table && answer.variance) {
    const groups = answer.variance.columns;
    const column = (g: number, version: string) =>
      columnWith(answer, {
        ...Object.fromEntries(groups.dimensions.map((d, i) => [d, groups.headers[g]![i]!.code])),
        version,
      });
    return (
      <table className="report-table" aria-label={report.name}>
        <thead>
          <tr>
            <th />
            {table.groups.map((g, i) => (
              <th key={i} colSpan={4}>
                {g}
              </th>
            ))}
          </tr>
          <tr>
            <th />
            {table.groups.map((_, i) => [
              <th key={`a${i}`}>{table.version}</th>,
              <th key={`b${i}`}>{table.reference}</th>,
              <th key={`c${i}`}>Var</th>,
              <th key={`d${i}`}>Var %</th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={row.code} data-row={row.code}>
              <th>{row.label}</th>
              {row.cells.map((c, i) => {
                const tone = c.favourable === null ? '' : c.favourable ? 'favourable' : 'unfavourable';
                return [
                  <Cell key={`a${i}`} answer={answer} row={r} column={column(i, table.version)}>
                    {num(c.actual, patternOf(answer, r))}
                  </Cell>,
                  <Cell key={`b${i}`} answer={answer} row={r} column={column(i, table.reference)}>
                    {num(c.reference, patternOf(answer, r))}
                  </Cell>,
                  <td key={`c${i}`} className={tone}>
                    {num(c.absolute, patternOf(answer, r))}
                  </td>,
                  <td key={`d${i}`} className={tone}>
                    {c.percent === null ? '' : `${pct.format(c.percent)} %`}
                  </td>,
                ];
              })}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="report-table" aria-label={report.name}>
      <thead>
        <tr>
          <th />
          {answer.columns.headers.map((h, i) => (
            <th key={i}>{h.map((x) => x.name).join(' · ')}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {answer.rows.headers.map((h, r) => (
          <tr key={r}>
            <th>{h.map((x) => x.name).join(' · ')}</th>
            {(answer.values[r] ?? []).map((v, c) => (
              <Cell key={c} answer={answer} row={r} column={c}>
                {num(v, patternOf(answer, r, c))}
              </Cell>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SaveAs({ model, report }: { model: string; report: Report }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const save = async () => {
    const code = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    if (!code) return;
    try {
      await reportsApi.save(model, { code, name: name.trim(), kind: report.kind, cube: report.cube, definition: report.definition, shared: false });
      setMessage(`Saved as “${name.trim()}”.`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <span className="save-as">
      <input aria-label="Report name" placeholder="Save as…" value={name} onChange={(e) => setName(e.target.value)} />
      <button type="button" onClick={() => void save()} disabled={!name.trim()}>
        Save
      </button>
      {message && <span role="status">{message}</span>}
    </span>
  );
}

export function ReportPage() {
  const { model = '', code = '' } = useParams();
  const state = useReport(model, code);
  const exportJob = useJob();
  const [exportError, setExportError] = useState<string | null>(null);
  if (state.kind === 'loading') return <p className="muted">Loading…</p>;
  if (state.kind === 'failed') return <p role="alert" className="form-error">{state.message}</p>;
  const { report, answer } = state;
  // The same background export job as the Data area, with its progress bar; the file downloads when it is ready.
  const run = async (format: 'xlsx' | 'csv') => {
    setExportError(null);
    try {
      const finished = await exportJob.follow(await dataApi.exportJob(model, report.cube, report.definition.query, format));
      const name = finished?.status === 'succeeded' ? finished.result?.files?.[0] : undefined;
      if (finished && name) download(jobFileUrl(finished.id, name), name);
    } catch (err) {
      setExportError(messageOf(err));
    }
  };
  return (
    <section className="page report-page">
      <p>
        <Link to="/app/reports">Reports</Link>
      </p>
      <h1>{report.name}</h1>
      {report.definition.display?.title && <p className="lead">{report.definition.display.title}</p>}
      <div className="report-actions">
        <button type="button" disabled={exportJob.running} onClick={() => void run('xlsx')}>
          Export XLSX
        </button>
        <button type="button" disabled={exportJob.running} onClick={() => void run('csv')}>
          Export CSV
        </button>
        <SaveAs model={model} report={report} />
      </div>
      {exportJob.job && (
        <JobProgress job={exportJob.job} label="Export progress" onCancel={() => void exportJob.cancel()} showFiles />
      )}
      <ErrorText message={exportError ?? exportJob.error} />
      <div className="report-body">
        <ReportBody report={report} answer={answer} height={420} />
      </div>
    </section>
  );
}

export default ReportPage;

function download(url: string, name: string) {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}
