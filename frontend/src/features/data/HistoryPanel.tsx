// The import batches of a cube, newest first, with undo for applied ones (asked twice, answered in place).
import { useId, useState } from 'react';
import { ListStatus, OutcomeText } from '../shell/feedback';
import { useAction } from '../shell/useAction';
import { formatNumber, formatWhen, useLoad } from './common';
import { dataApi, type ImportBatch } from './dataApi';
import { PROBE_COLUMN } from './header';
import { jobFileUrl } from './jobs';
import { describeSlice } from './tree';

const STATUS_TEXT: Record<string, string> = {
  pending: 'waiting or stopped',
  validated: 'checked',
  applied: 'applied',
  failed: 'failed',
  duplicate: 'already imported',
  undone: 'undone',
};

/** Reading a spreadsheet's header leaves a check-only batch behind (see header.ts); the history leaves it out. */
export function isHeaderRead(batch: ImportBatch): boolean {
  return batch.validate_only && batch.status !== 'applied' && (batch.job?.error ?? '').includes(PROBE_COLUMN);
}

export function HistoryPanel({ model, cube, refresh }: { model: string; cube: string; refresh: number }) {
  const id = useId();
  const history = useLoad((signal) => dataApi.history(model, cube, { signal }), [model, cube, refresh]);
  const [confirming, setConfirming] = useState<string | null>(null);
  const action = useAction<string>();

  const undo = (batch: ImportBatch) =>
    action.run(batch.id, async () => {
      try {
        const answer = await dataApi.undo(model, batch.id);
        history.reload();
        return `Undid the import of ${batch.filename}: ${formatNumber(answer.restored)} cell(s) restored.`;
      } finally {
        setConfirming(null);
      }
    });

  const batches = (history.data ?? []).filter((batch) => !isHeaderRead(batch));
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Import history</h2>
        <button type="button" className="button button-small" onClick={history.reload}>
          Refresh
        </button>
      </div>
      <ListStatus
        load={history}
        shown={batches.length}
        loading="Loading the history…"
        empty="Nothing has been imported into this cube yet."
      />
      <OutcomeText outcome={action.outcome} />
      {batches.length > 0 && (
        <div className="table-scroll">
          <table className="table history-table">
            <caption className="visually-hidden">Import batches, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">File</th>
                <th scope="col">Mode</th>
                <th scope="col">Status</th>
                <th scope="col" className="number">Rows</th>
                <th scope="col" className="number">Bad</th>
                <th scope="col" className="number">Changed</th>
                <th scope="col">By</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {batches.map((batch) => (
                <tr key={batch.id}>
                  <td>{formatWhen(batch.created_at)}</td>
                  <td>
                    {batch.filename}
                    {batch.validate_only && <span className="muted"> (check only)</span>}
                  </td>
                  <td>
                    {batch.mode}
                    {batch.mode === 'replace' && <span className="muted small"> {describeSlice(batch.slice)}</span>}
                  </td>
                  <td>
                    <span className={`badge badge-${batch.status}`}>{STATUS_TEXT[batch.status] ?? batch.status}</span>
                  </td>
                  <td className="number">{formatNumber(batch.rows)}</td>
                  <td className="number">{formatNumber(batch.bad_rows)}</td>
                  <td className="number">{formatNumber(batch.changed)}</td>
                  <td>{batch.created_by}</td>
                  <td className="actions-cell">
                    {batch.job && (batch.job.result?.files ?? []).includes('errors.csv') && (
                      <a href={jobFileUrl(batch.job.id, 'errors.csv')} download="errors.csv">
                        errors.csv
                      </a>
                    )}
                    {batch.status === 'applied' &&
                      (confirming === batch.id ? (
                        <span className="confirm">
                          <button
                            type="button"
                            className="button button-small button-danger"
                            disabled={action.busy === batch.id}
                            onClick={() => void undo(batch)}
                          >
                            Confirm undo
                          </button>
                          <button type="button" className="button button-small" onClick={() => setConfirming(null)}>
                            Keep
                          </button>
                        </span>
                      ) : (
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Undo the import of ${batch.filename} from ${formatWhen(batch.created_at)}`}
                          onClick={() => setConfirming(batch.id)}
                        >
                          Undo
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
