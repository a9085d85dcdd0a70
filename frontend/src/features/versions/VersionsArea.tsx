// Versions (/app/workflow/versions): list and create versions, copy one into another (optionally a slice), branch
// a what-if, diff two versions cell by cell, and merge a branch back with its conflicts resolved cell by cell.
// Copy, branch, merge and locks are offered only to the roles that may use them (shell/roles.ts); the API decides.
import { useCallback, useId, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { CubeSelect, ModelPicker, SliceEditor, formatNumber, useDimensions, useLoad, useModelChoice } from '../data/common';
import type { Cube } from '../data/dataApi';
import { sliceFromTexts } from '../data/tree';
import '../data/panels.css';
import { useSession } from '../auth/useSession';
import { ErrorText, OutcomeText } from '../shell/feedback';
import { mayBuild, mayLock, useModelRoles } from '../shell/roles';
import { PeriodLocks } from './PeriodLocks';
import { useAction } from '../shell/useAction';
import { WorkflowNav } from '../workflow/WorkflowNav';
import { changeKind, countByKind, delta, diffDimensions, type DiffAnswer } from './diff';
import { MergeConflicts } from './MergeConflicts';
import { conflictsOf, type MergeConflict } from './merge';
import { versionsApi, type Version, type VersionKind } from './versionsApi';

function VersionSelect({
  label,
  versions,
  value,
  onChange,
  only,
}: {
  label: string;
  versions: Version[];
  value: string;
  onChange: (code: string) => void;
  only?: (v: Version) => boolean;
}) {
  const id = useId();
  return (
    <div className="field-inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">Choose…</option>
        {versions.filter(only ?? (() => true)).map((v) => (
          <option key={v.code} value={v.code}>
            {v.name} ({v.code})
          </option>
        ))}
      </select>
    </div>
  );
}

const KINDS: { value: VersionKind; label: string }[] = [
  { value: 'what_if', label: 'What-if' },
  { value: 'budget', label: 'Budget' },
  { value: 'forecast', label: 'Forecast' },
  { value: 'actual', label: 'Actual' },
];

export default function VersionsArea() {
  const id = useId();
  const [model, setModel] = useModelChoice();
  const sessionRoles = useSession().user?.roles ?? [];
  const roles = useModelRoles(model) ?? sessionRoles; // a role given in this model counts here
  const build = mayBuild(roles);
  const lock = mayLock(roles);
  const versions = useLoad((signal) => (model ? versionsApi.list(model, { signal }) : Promise.resolve([])), [model]);
  const dimensions = useDimensions(model);
  const timeDimension = [...(dimensions.data?.values() ?? [])].find((d) => d.kind === 'time')?.code;
  const list = versions.data ?? [];
  const sliceDimensions = useMemo(
    () => (dimensions.status === 'loaded' ? [...dimensions.data.values()].filter((d) => d.kind !== 'version') : []),
    [dimensions.status, dimensions.data],
  );

  // Each section shows the outcome of its own actions; while any runs, every action waits.
  const listed = useAction<string>(); // create, lock and unlock
  const copied = useAction();
  const branched = useAction();
  const compared = useAction();
  const merged = useAction();
  const busy = [listed, copied, branched, compared, merged].some((action) => action.busy !== null);
  // New version
  const [newCode, setNewCode] = useState('');
  const [newName, setNewName] = useState('');
  const [newKind, setNewKind] = useState<VersionKind>('what_if');
  // Copy
  const [source, setSource] = useState('');
  const [target, setTarget] = useState('');
  const [copySlice, setCopySlice] = useState<Record<string, string>>({});
  // Branch
  const [base, setBase] = useState('');
  const [branchCode, setBranchCode] = useState('');
  const [branchName, setBranchName] = useState('');
  // Diff
  const [cube, setCube] = useState('');
  const [diffVersion, setDiffVersion] = useState('');
  const [reference, setReference] = useState('');
  const [diffSlice, setDiffSlice] = useState<Record<string, string>>({});
  const [diff, setDiff] = useState<DiffAnswer | null>(null);
  // Merge
  const [branch, setBranch] = useState('');
  const [conflicts, setConflicts] = useState<MergeConflict[] | null>(null);
  const [conflictCount, setConflictCount] = useState(0);

  const onCube = useCallback((code: string, _found: Cube | null) => setCube(code), []);
  const onModel = useCallback(
    (code: string) => {
      setModel(code);
      setDiff(null);
      setConflicts(null);
    },
    [setModel],
  );

  const createVersion = () =>
    listed.run('create', async () => {
      const v = await versionsApi.create(model, { code: newCode.trim(), name: newName.trim(), kind: newKind });
      setNewCode('');
      setNewName('');
      versions.reload();
      return `Created version ${v.name} (${v.code}).`;
    });

  const toggleLock = (v: Version) =>
    listed.run(`lock-${v.code}`, async () => {
      await versionsApi.lock(model, v.code, !v.locked);
      versions.reload();
    });

  const copy = () =>
    copied.run(true, async () => {
      const where = sliceFromTexts(copySlice);
      const answer = await versionsApi.copy(model, { source, target, ...(Object.keys(where).length ? { where } : {}) });
      return `Copied ${source} into ${target}: ${formatNumber(answer.changed)} cell(s) changed.`;
    });

  const makeBranch = () =>
    branched.run(true, async () => {
      const v = await versionsApi.branch(model, { base, code: branchCode.trim(), name: branchName.trim() });
      setBranchCode('');
      setBranchName('');
      versions.reload();
      return `Branched ${v.name} (${v.code}) from ${base}.`;
    });

  const compare = () =>
    compared.run(true, async () => {
      setDiff(null);
      const where = sliceFromTexts(diffSlice);
      setDiff(
        await versionsApi.diff(model, cube, {
          version: diffVersion,
          reference,
          ...(Object.keys(where).length ? { where } : {}),
        }),
      );
    });

  const merge = (choices?: Record<string, 'ours' | 'theirs' | number>) =>
    merged.run(true, async () => {
      try {
        const answer = await versionsApi.merge(model, branch, choices);
        setConflicts(null);
        return `Merged ${branch}: ${formatNumber(answer.changed)} cell(s) changed${
          answer.conflicts_resolved ? `, ${answer.conflicts_resolved} conflict(s) resolved` : ''
        }.`;
      } catch (error) {
        if (error instanceof ApiError && error.code === 'merge_conflicts') {
          setConflicts(conflictsOf(error.details));
          setConflictCount(Number(error.details.count ?? conflictsOf(error.details).length));
        }
        throw error; // shown as the outcome: the API's message
      }
    });

  const dims = diff ? diffDimensions(diff.cells) : [];
  const kinds = diff ? countByKind(diff.cells) : null;

  return (
    <section className="page">
      <h1>Versions</h1>
      <p className="lead">Copy versions, branch what-ifs, compare them cell by cell and merge a branch back.</p>
      <WorkflowNav />
      <div className="area-content">
        <div className="toolbar">
          <ModelPicker value={model} onChange={onModel} />
        </div>
        {versions.status === 'failed' && <ErrorText message={versions.error} />}

        <section className="panel" aria-labelledby={`${id}-list`}>
          <h2 id={`${id}-list`}>Versions of the model</h2>
          {versions.status === 'loading' && <p className="muted">Loading versions…</p>}
          {list.length > 0 && (
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Code</th>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Locked</th>
                    {lock && (
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {list.map((v) => (
                    <tr key={v.code}>
                      <td>{v.code}</td>
                      <td>{v.name}</td>
                      <td>{v.version_kind || '—'}</td>
                      <td>{v.locked ? 'locked' : 'open'}</td>
                      {lock && (
                        <td>
                          <button
                            type="button"
                            className="button button-small"
                            disabled={busy}
                            onClick={() => void toggleLock(v)}
                            aria-label={`${v.locked ? 'Unlock' : 'Lock'} version ${v.name}`}
                          >
                            {v.locked ? 'Unlock' : 'Lock'}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {!lock && <p className="muted small">Locking and unlocking versions is for approvers, modellers and administrators.</p>}
          {build && (
            <>
              <h3>New version</h3>
              <div className="row-inline">
                <div className="field-inline">
                  <label htmlFor={`${id}-new-code`}>New version code</label>
                  <input id={`${id}-new-code`} type="text" value={newCode} onChange={(e) => setNewCode(e.target.value)} />
                </div>
                <div className="field-inline">
                  <label htmlFor={`${id}-new-name`}>New version name</label>
                  <input id={`${id}-new-name`} type="text" value={newName} onChange={(e) => setNewName(e.target.value)} />
                </div>
                <div className="field-inline">
                  <label htmlFor={`${id}-new-kind`}>Kind</label>
                  <select id={`${id}-new-kind`} value={newKind} onChange={(e) => setNewKind(e.target.value as VersionKind)}>
                    {KINDS.map((k) => (
                      <option key={k.value} value={k.value}>
                        {k.label}
                      </option>
                    ))}
                  </select>
                </div>
                <button
                  type="button"
                  className="button"
                  disabled={!newCode.trim() || !newName.trim() || busy}
                  onClick={() => void createVersion()}
                >
                  Create version
                </button>
              </div>
            </>
          )}
          <OutcomeText outcome={listed.outcome} />
        </section>

        {timeDimension && <PeriodLocks key={`${model}-${timeDimension}`} model={model} time={timeDimension} canLock={lock} />}

        {!build && (
          <p className="muted">Copying, branching and merging versions is for modellers and administrators.</p>
        )}
        {build && (
          <div className="grid-2">
            <section className="panel" aria-labelledby={`${id}-copy`}>
              <h2 id={`${id}-copy`}>Copy a version</h2>
              <p className="muted small">The target’s cells in the slice become equal to the source’s (cells only the target has are cleared).</p>
              <div className="row-inline">
                <VersionSelect label="Copy from" versions={list} value={source} onChange={setSource} />
                <VersionSelect label="Copy into" versions={list} value={target} onChange={setTarget} />
              </div>
              <details>
                <summary>Only a slice</summary>
                <SliceEditor dimensions={sliceDimensions} texts={copySlice} onChange={setCopySlice} legend="Slice to copy" />
              </details>
              <div className="actions">
                <button
                  type="button"
                  className="button button-main"
                  disabled={!source || !target || source === target || busy}
                  onClick={() => void copy()}
                >
                  Copy
                </button>
              </div>
              <OutcomeText outcome={copied.outcome} />
            </section>

            <section className="panel" aria-labelledby={`${id}-branch`}>
              <h2 id={`${id}-branch`}>Branch a what-if</h2>
              <p className="muted small">A new what-if version starting as a copy of its base; merge it back later.</p>
              <VersionSelect label="Branch from" versions={list} value={base} onChange={setBase} />
              <div className="row-inline">
                <div className="field-inline">
                  <label htmlFor={`${id}-branch-code`}>Branch code</label>
                  <input id={`${id}-branch-code`} type="text" value={branchCode} onChange={(e) => setBranchCode(e.target.value)} />
                </div>
                <div className="field-inline">
                  <label htmlFor={`${id}-branch-name`}>Branch name</label>
                  <input id={`${id}-branch-name`} type="text" value={branchName} onChange={(e) => setBranchName(e.target.value)} />
                </div>
              </div>
              <div className="actions">
                <button
                  type="button"
                  className="button button-main"
                  disabled={!base || !branchCode.trim() || !branchName.trim() || busy}
                  onClick={() => void makeBranch()}
                >
                  Branch
                </button>
              </div>
              <OutcomeText outcome={branched.outcome} />
            </section>
          </div>
        )}

        <section className="panel" aria-labelledby={`${id}-diff`}>
          <h2 id={`${id}-diff`}>Compare two versions</h2>
          <div className="row-inline">
            {model && <CubeSelect model={model} value={cube} onChange={onCube} />}
            <VersionSelect label="Version" versions={list} value={diffVersion} onChange={setDiffVersion} />
            <VersionSelect label="Against" versions={list} value={reference} onChange={setReference} />
          </div>
          <details>
            <summary>Only a slice</summary>
            <SliceEditor dimensions={sliceDimensions} texts={diffSlice} onChange={setDiffSlice} legend="Slice to compare" />
          </details>
          <div className="actions">
            <button
              type="button"
              className="button button-main"
              disabled={!cube || !diffVersion || !reference || busy}
              onClick={() => void compare()}
            >
              Compare
            </button>
          </div>
          <OutcomeText outcome={compared.outcome} />
          {diff && (
            <>
              <dl className="totals" aria-label="Totals of the differing cells">
                <div>
                  <dt>Differing cells</dt>
                  <dd>{formatNumber(diff.count)}</dd>
                </div>
                <div>
                  <dt>Total in {diff.reference}</dt>
                  <dd>{formatNumber(diff.total_before)}</dd>
                </div>
                <div>
                  <dt>Total in {diff.version}</dt>
                  <dd>{formatNumber(diff.total_after)}</dd>
                </div>
                <div>
                  <dt>Difference</dt>
                  <dd>{formatNumber(diff.total_after - diff.total_before)}</dd>
                </div>
                {kinds && (
                  <div>
                    <dt>Changed / only in {diff.version} / only in {diff.reference}</dt>
                    <dd>
                      {kinds.changed} / {kinds.added} / {kinds.removed}
                    </dd>
                  </div>
                )}
              </dl>
              {diff.count === 0 && <p className="muted">The two versions hold the same values here.</p>}
              {diff.listed < diff.count && (
                <p className="muted">The first {formatNumber(diff.listed)} cells are listed; narrow the slice to see the others.</p>
              )}
              {diff.cells.length > 0 && (
                <div className="table-scroll diff-scroll">
                  <table className="table diff-table">
                    <caption className="visually-hidden">
                      Cells that differ between {diff.version} and {diff.reference}
                    </caption>
                    <thead>
                      <tr>
                        {dims.map((d) => (
                          <th scope="col" key={d}>
                            {dimensions.data?.get(d)?.name ?? d}
                          </th>
                        ))}
                        <th scope="col" className="number">
                          {diff.reference}
                        </th>
                        <th scope="col" className="number">
                          {diff.version}
                        </th>
                        <th scope="col" className="number">
                          Change
                        </th>
                        <th scope="col">What</th>
                      </tr>
                    </thead>
                    <tbody>
                      {diff.cells.map((cell, index) => {
                        const kind = changeKind(cell);
                        return (
                          <tr key={index} className={`diff-${kind}`}>
                            {dims.map((d) => (
                              <td key={d}>{cell.coordinate[d] ?? ''}</td>
                            ))}
                            <td className="number before">{formatNumber(cell.before)}</td>
                            <td className="number after">{formatNumber(cell.after)}</td>
                            <td className="number">{formatNumber(delta(cell))}</td>
                            <td>{kind === 'added' ? `only in ${diff.version}` : kind === 'removed' ? `only in ${diff.reference}` : 'changed'}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
        </section>

        {build && (
          <section className="panel" aria-labelledby={`${id}-merge`}>
            <h2 id={`${id}-merge`}>Merge a branch back</h2>
            <p className="muted small">
              What the branch changed since it was branched goes into its base. Cells changed on both sides are conflicts: choose
              for each.
            </p>
            <div className="row-inline">
              <VersionSelect
                label="Branch to merge"
                versions={list}
                value={branch}
                onChange={(code) => {
                  setBranch(code);
                  setConflicts(null);
                  merged.setOutcome(null);
                }}
                only={(v) => v.version_kind === 'what_if'}
              />
              <div className="actions">
                <button type="button" className="button button-main" disabled={!branch || busy} onClick={() => void merge()}>
                  Merge
                </button>
              </div>
            </div>
            <OutcomeText outcome={merged.outcome} />
            {conflicts && conflicts.length > 0 && (
              <MergeConflicts
                conflicts={conflicts}
                total={conflictCount}
                busy={busy}
                onResolve={(choices) => void merge(choices)}
                dimensionName={(d) => dimensions.data?.get(d)?.name ?? d}
              />
            )}
          </section>
        )}
      </div>
    </section>
  );
}
