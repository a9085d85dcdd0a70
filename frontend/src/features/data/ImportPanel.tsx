// Import a CSV or XLSX file of facts into a cube: read its header, map its columns (dimension or values per
// column, fixed members for the rest, saved mappings), check it (every bad row with line, column, value and
// reason; control totals), then run it, following the job's progress bar without blocking the page.
import { useEffect, useId, useMemo, useState } from 'react';
import { ErrorText, SliceEditor, messageOf, useLoad } from './common';
import { dataApi, type ImportMode, type Member } from './dataApi';
import { columnsFromProbeError, isSpreadsheet, PROBE_MAPPING, readCsvHeader } from './header';
import { ImportOutcome } from './ImportOutcome';
import { JobProgress } from './JobProgress';
import type { Job } from './jobs';
import {
  buildMapping,
  dimensionRole,
  draftFromDefinition,
  emptyDraft,
  guessDraft,
  PERIOD_FORMATS,
  type ColumnRole,
  type CubeDimension,
  type MappingDraft,
  type PeriodFormat,
} from './mapping';
import { sliceFromTexts, treeRows } from './tree';
import { useJob } from './useJob';

type HeaderState =
  | { status: 'none' }
  | { status: 'reading' }
  | { status: 'ready'; columns: string[]; samples: string[][] }
  | { status: 'failed'; message: string };

export interface ImportPanelProps {
  model: string;
  cube: string;
  dimensions: CubeDimension[];
  members: Record<string, Member[]> | null;
  onFinished: () => void;
}

const MODES: { value: ImportMode; label: string; hint: string }[] = [
  { value: 'merge', label: 'Merge', hint: 'the file’s cells replace the values of the same cells; others stay' },
  { value: 'add', label: 'Add', hint: 'the file’s values are added to the values already there' },
  { value: 'replace', label: 'Replace a slice', hint: 'the slice’s cells not in the file are cleared' },
];

function roleValue(role: ColumnRole): string {
  return role.kind === 'dimension' ? `dim:${role.dimension}` : role.kind;
}

export function ImportPanel({ model, cube, dimensions, members, onFinished }: ImportPanelProps) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [header, setHeader] = useState<HeaderState>({ status: 'none' });
  const [draft, setDraft] = useState<MappingDraft>(emptyDraft([]));
  const [notes, setNotes] = useState<string[]>([]);
  const [mode, setMode] = useState<ImportMode>('merge');
  const [sliceTexts, setSliceTexts] = useState<Record<string, string>>({});
  const [skipBadRows, setSkipBadRows] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [runKind, setRunKind] = useState<'check' | 'import'>('check');
  const [chosenMapping, setChosenMapping] = useState('');
  const [saveCode, setSaveCode] = useState('');
  const [saveName, setSaveName] = useState('');
  const [saveMessage, setSaveMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const tracker = useJob();
  const probe = useJob();
  const saved = useLoad((signal) => dataApi.mappings(model, cube, { signal }), [model, cube]);

  // A new cube starts a new import.
  useEffect(() => {
    setFile(null);
    setHeader({ status: 'none' });
    setDraft(emptyDraft([]));
    setNotes([]);
    setSliceTexts({});
    tracker.reset();
    probe.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, cube]);

  const columns = header.status === 'ready' ? header.columns : [];
  const built = useMemo(() => buildMapping(draft, columns, dimensions), [draft, columns, dimensions]);
  const mapped = new Set(
    Object.values(draft.columns).flatMap((role) => (role.kind === 'dimension' ? [role.dimension] : [])),
  );
  const slice = sliceFromTexts(sliceTexts);
  const sliceMissing = mode === 'replace' && Object.keys(slice).length === 0;
  const busy = tracker.running || probe.running || header.status === 'reading';
  const canRun = file !== null && header.status === 'ready' && built.problems.length === 0 && !sliceMissing && !busy;

  async function onFile(chosen: File | null) {
    setFile(chosen);
    setSubmitError(null);
    setNotes([]);
    tracker.reset();
    probe.reset();
    if (!chosen) {
      setHeader({ status: 'none' });
      return;
    }
    setHeader({ status: 'reading' });
    try {
      if (isSpreadsheet(chosen.name)) {
        // The server reads spreadsheets: a check-only run with a probe mapping answers with the file's columns.
        const batch = await dataApi.upload(model, cube, {
          file: chosen,
          mapping: PROBE_MAPPING,
          mode: 'merge',
          skipBadRows: false,
          validateOnly: true,
        });
        const done = batch.job ? await probe.follow(batch.job) : null;
        const found = done?.status === 'failed' ? columnsFromProbeError(done.error) : null;
        if (!found) {
          setHeader({ status: 'failed', message: done?.error || 'The file’s columns could not be read.' });
          return;
        }
        applyHeader(found, []);
      } else {
        const read = await readCsvHeader(chosen);
        if ('problem' in read) setHeader({ status: 'failed', message: read.problem });
        else applyHeader(read.columns, read.samples);
      }
    } catch (error) {
      setHeader({ status: 'failed', message: messageOf(error) });
    }
  }

  function applyHeader(found: string[], samples: string[][]) {
    setHeader({ status: 'ready', columns: found, samples });
    setDraft((current) => {
      // Keep what was mapped for columns of the same name; guess the rest.
      const guess = guessDraft(found, dimensions);
      const kept = Object.fromEntries(
        found.map((c) => [c, current.columns[c] && current.columns[c].kind !== 'ignore' ? current.columns[c] : guess.columns[c]]),
      ) as Record<string, ColumnRole>;
      return { ...current, columns: kept };
    });
  }

  function setRole(column: string, value: string) {
    const role: ColumnRole =
      value === 'value' ? { kind: 'value' } : value.startsWith('dim:') ? dimensionRole(value.slice(4)) : { kind: 'ignore' };
    setDraft((current) => ({ ...current, columns: { ...current.columns, [column]: role } }));
  }

  function patchRole(column: string, patch: Partial<Extract<ColumnRole, { kind: 'dimension' }>>) {
    setDraft((current) => {
      const role = current.columns[column];
      if (role?.kind !== 'dimension') return current;
      return { ...current, columns: { ...current.columns, [column]: { ...role, ...patch } } };
    });
  }

  function loadSaved(code: string) {
    const found = saved.data?.find((m) => m.code === code);
    if (!found) return;
    const { draft: loaded, problems } = draftFromDefinition(found.definition, columns);
    setDraft(loaded);
    setNotes(problems);
    setSaveCode(found.code);
    setSaveName(found.name);
  }

  async function saveMapping() {
    setSaveMessage(null);
    try {
      await dataApi.saveMapping(model, cube, { code: saveCode.trim(), name: saveName.trim() || saveCode.trim(), definition: built.definition });
      setSaveMessage({ ok: true, text: `Saved mapping ${saveCode.trim()}.` });
      saved.reload();
    } catch (error) {
      setSaveMessage({ ok: false, text: messageOf(error) });
    }
  }

  async function run(validateOnly: boolean) {
    if (!file) return;
    setSubmitError(null);
    setRunKind(validateOnly ? 'check' : 'import');
    try {
      const batch = await dataApi.upload(model, cube, {
        file,
        mapping: built.definition,
        mode,
        slice: mode === 'replace' ? slice : undefined,
        skipBadRows,
        validateOnly,
      });
      if (!batch.job) throw new Error('The server queued no job for this import.');
      const done: Job | null = await tracker.follow(batch.job);
      if (done) onFinished();
    } catch (error) {
      setSubmitError(messageOf(error));
    }
  }

  const dimensionName = (code: string) => dimensions.find((d) => d.code === code)?.name ?? code;

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Import a file</h2>
      <div className="field">
        <label htmlFor={`${id}-file`}>File to import (CSV or XLSX)</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".csv,.txt,.tsv,.xlsx,.xlsm,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(event) => void onFile(event.target.files?.[0] ?? null)}
        />
      </div>
      {header.status === 'reading' && !probe.job && <p className="muted">Reading the file’s columns…</p>}
      {probe.job && probe.running && <JobProgress job={probe.job} label="Reading the file’s columns" onCancel={() => void probe.cancel()} />}
      {header.status === 'failed' && <ErrorText message={header.message} />}
      <ErrorText message={probe.error} />

      {header.status === 'ready' && (
        <>
          <h3>Columns</h3>
          <div className="table-scroll">
            <table className="table mapping-table">
              <caption className="visually-hidden">What each column of the file holds</caption>
              <thead>
                <tr>
                  <th scope="col">File column</th>
                  <th scope="col">Holds</th>
                  <th scope="col">Details</th>
                  {header.samples.length > 0 && <th scope="col">First values</th>}
                </tr>
              </thead>
              <tbody>
                {header.columns.map((column, index) => {
                  const role = draft.columns[column] ?? { kind: 'ignore' as const };
                  const kind = role.kind === 'dimension' ? dimensions.find((d) => d.code === role.dimension)?.kind : undefined;
                  return (
                    <tr key={column}>
                      <th scope="row">{column}</th>
                      <td>
                        <select
                          aria-label={`Column ${column} holds`}
                          value={roleValue(role)}
                          onChange={(event) => setRole(column, event.target.value)}
                        >
                          <option value="ignore">Nothing (ignore)</option>
                          <option value="value">The values</option>
                          {dimensions.map((d) => (
                            <option key={d.code} value={`dim:${d.code}`}>
                              {d.name} members
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        {role.kind === 'dimension' && (
                          <div className="role-details">
                            <select
                              aria-label={`Column ${column} matches members by`}
                              value={role.by}
                              onChange={(event) => patchRole(column, { by: event.target.value as 'code' | 'name' })}
                            >
                              <option value="code">by code</option>
                              <option value="name">by name</option>
                            </select>
                            {kind === 'time' && (
                              <select
                                aria-label={`Column ${column} period format`}
                                value={role.format}
                                onChange={(event) => patchRole(column, { format: event.target.value as PeriodFormat })}
                              >
                                {PERIOD_FORMATS.map((f) => (
                                  <option key={f} value={f}>
                                    {f === 'auto' ? 'any period format' : f}
                                  </option>
                                ))}
                              </select>
                            )}
                            <details className="code-map">
                              <summary>Code map{role.codeMap.trim() ? ` (${role.codeMap.trim().split(/\n/).length})` : ''}</summary>
                              <label htmlFor={`${id}-map-${index}`} className="small">
                                Source code = {dimensionName(role.dimension)} member, one per line
                              </label>
                              <textarea
                                id={`${id}-map-${index}`}
                                rows={4}
                                value={role.codeMap}
                                placeholder={'4000 = SALES\n4100 = SALES'}
                                onChange={(event) => patchRole(column, { codeMap: event.target.value })}
                              />
                            </details>
                          </div>
                        )}
                      </td>
                      {header.samples.length > 0 && (
                        <td className="muted sample">{header.samples.map((row) => row[index] ?? '').filter(Boolean).slice(0, 3).join(', ')}</td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>

          {dimensions.some((d) => !mapped.has(d.code)) && (
            <fieldset className="fixed-members">
              <legend>Fixed members (for the dimensions no column gives)</legend>
              {dimensions
                .filter((d) => !mapped.has(d.code))
                .map((d) => (
                  <div className="field-inline" key={d.code}>
                    <label htmlFor={`${id}-fixed-${d.code}`}>Fixed {d.name}</label>
                    <select
                      id={`${id}-fixed-${d.code}`}
                      value={draft.fixed[d.code] ?? ''}
                      onChange={(event) =>
                        setDraft((current) => ({ ...current, fixed: { ...current.fixed, [d.code]: event.target.value } }))
                      }
                    >
                      <option value="">Choose…</option>
                      {treeRows(members?.[d.code] ?? []).map(({ member, depth, leaf }) => (
                        <option key={member.code} value={member.code} disabled={!leaf}>
                          {'\u00a0\u00a0'.repeat(depth)}
                          {member.name} ({member.code})
                        </option>
                      ))}
                    </select>
                  </div>
                ))}
            </fieldset>
          )}

          <details className="more-options">
            <summary>Number options</summary>
            <div className="field-inline">
              <label htmlFor={`${id}-decimal`}>Decimal mark</label>
              <select
                id={`${id}-decimal`}
                value={draft.decimal}
                onChange={(event) => setDraft((current) => ({ ...current, decimal: event.target.value as '.' | ',' }))}
              >
                <option value=".">. (1,234.56)</option>
                <option value=",">, (1.234,56)</option>
              </select>
            </div>
            <div className="field-inline">
              <label htmlFor={`${id}-flip`}>Flip the sign of these accounts</label>
              <input
                id={`${id}-flip`}
                type="text"
                value={draft.flipSign}
                placeholder="e.g. COST"
                onChange={(event) => setDraft((current) => ({ ...current, flipSign: event.target.value }))}
              />
            </div>
          </details>

          <fieldset className="saved-mappings">
            <legend>Saved mappings</legend>
            <ErrorText message={saved.status === 'failed' ? saved.error : null} />
            <div className="row-inline">
              <div className="field-inline">
                <label htmlFor={`${id}-saved`}>Saved mapping</label>
                <select id={`${id}-saved`} value={chosenMapping} onChange={(event) => setChosenMapping(event.target.value)}>
                  <option value="">{saved.data?.length ? 'Choose…' : 'None saved yet'}</option>
                  {(saved.data ?? []).map((m) => (
                    <option key={m.code} value={m.code}>
                      {m.name} ({m.code})
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" className="button" disabled={!chosenMapping} onClick={() => loadSaved(chosenMapping)}>
                Use mapping
              </button>
            </div>
            <div className="row-inline">
              <div className="field-inline">
                <label htmlFor={`${id}-save-code`}>Mapping code</label>
                <input id={`${id}-save-code`} type="text" value={saveCode} onChange={(event) => setSaveCode(event.target.value)} />
              </div>
              <div className="field-inline">
                <label htmlFor={`${id}-save-name`}>Mapping name</label>
                <input id={`${id}-save-name`} type="text" value={saveName} onChange={(event) => setSaveName(event.target.value)} />
              </div>
              <button
                type="button"
                className="button"
                disabled={!saveCode.trim() || built.problems.length > 0}
                onClick={() => void saveMapping()}
              >
                Save mapping
              </button>
            </div>
            {saveMessage &&
              (saveMessage.ok ? <p role="status" className="ok-text">{saveMessage.text}</p> : <ErrorText message={saveMessage.text} />)}
          </fieldset>

          {notes.length > 0 && (
            <ul className="notes" aria-label="Notes on the saved mapping">
              {notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}

          <fieldset className="modes">
            <legend>Mode</legend>
            {MODES.map((m) => (
              <label key={m.value} className="radio">
                <input type="radio" name={`${id}-mode`} value={m.value} checked={mode === m.value} onChange={() => setMode(m.value)} />
                <span>
                  <strong>{m.label}</strong> <span className="muted">– {m.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {mode === 'replace' && (
            <SliceEditor dimensions={dimensions} texts={sliceTexts} onChange={setSliceTexts} legend="Slice to replace" />
          )}
          <label className="checkbox">
            <input type="checkbox" checked={skipBadRows} onChange={(event) => setSkipBadRows(event.target.checked)} /> Skip bad rows
            (import the good ones; otherwise nothing is imported while any row is bad)
          </label>

          {(built.problems.length > 0 || sliceMissing) && (
            <div className="problems" role="status">
              <p>Before you can check or import:</p>
              <ul>
                {built.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
                {sliceMissing && <li>Replace needs a slice: name the members whose cells the file replaces.</li>}
              </ul>
            </div>
          )}
          <div className="actions">
            <button type="button" className="button" disabled={!canRun} onClick={() => void run(true)}>
              Check file
            </button>
            <button type="button" className="button button-main" disabled={!canRun} onClick={() => void run(false)}>
              Import
            </button>
          </div>
        </>
      )}
      <ErrorText message={submitError} />
      <ErrorText message={tracker.error} />
      {tracker.job && (
        <div className="job-box">
          <h3>{runKind === 'check' ? 'Check' : 'Import'} of {file?.name}</h3>
          <JobProgress
            job={tracker.job}
            label={runKind === 'check' ? 'Check progress' : 'Import progress'}
            onCancel={() => void tracker.cancel()}
          >
            {tracker.job.status === 'succeeded' || tracker.job.result ? (
              <ImportOutcome key={tracker.job.id} job={tracker.job} checkOnly={runKind === 'check'} />
            ) : null}
          </JobProgress>
        </div>
      )}
    </section>
  );
}
