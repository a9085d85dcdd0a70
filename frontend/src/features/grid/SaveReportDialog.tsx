// The "Save as report" dialog of the grid page: a name, a code derived from it (editable), private or shared;
// saves the grid's layout as a report and then offers to open it in the Reports area.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { messageOf } from '../shell/feedback';
import { Modal } from '../shell/Modal';
import { Link } from 'react-router-dom';
import { reportPath, reportsApi } from '../reports/reportsApi';
import type { ReportDefinition } from '../reports/types';
import { codeFromName, codeProblem } from './saveReport';

interface Props {
  model: string;
  cube: string;
  /** The name the dialog opens with (the cube's). */
  initialName: string;
  definition: ReportDefinition;
  onClose: () => void;
}

export function SaveReportDialog({ model, cube, initialName, definition, onClose }: Props) {
  const [name, setName] = useState(initialName);
  const [typedCode, setTypedCode] = useState<string | null>(null); // null: the code follows the name
  const [shared, setShared] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<{ code: string; name: string } | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const code = typedCode ?? codeFromName(name);

  useEffect(() => {
    input.current?.select();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problem = name.trim() ? codeProblem(code) : 'Give the report a name.';
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const report = await reportsApi.save(model, { code, name: name.trim(), kind: 'grid', cube, definition, shared });
      setSaved({ code: report.code, name: report.name });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Save as report" onClose={onClose}>
      {saved ? (
        <>
          <p role="status">
            Saved the report “{saved.name}” ({saved.code}).
          </p>
          <div className="modal-actions">
            <Link className="button button-strong" to={reportPath(model, saved.code)}>
              Open the report
            </Link>
            <button type="button" className="button" onClick={onClose} autoFocus>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <p className="muted">The rows, columns, filters, comparison and currency shown now; its numbers are read anew each time.</p>
          <div className="field">
            <label htmlFor="save-report-name">Report name</label>
            <input id="save-report-name" ref={input} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="save-report-code">Report code</label>
            <input
              id="save-report-code"
              value={code}
              maxLength={64}
              spellCheck={false}
              onChange={(e) => setTypedCode(e.target.value)}
            />
          </div>
          <label className="field-check">
            <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} /> Share with everyone in
            this model (each sees only the members they may read)
          </label>
          {error && (
            <p role="alert" className="form-error">
              {error}
            </p>
          )}
          <div className="modal-actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button-strong" disabled={busy || !name.trim() || !code}>
              Save report
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
