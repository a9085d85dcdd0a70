// The planning grid page for one cube (/app/models/:model/cubes/:cube): loads the cube's dimensions and members,
// keeps the layout in the address bar, and wires the grid to writes, spreads, holds, the cell panel and saving the
// layout as a report.
import { useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { ensureCsrfToken } from '../../api/client';
import { AuthContext } from '../auth/AuthContext';
import { gridApi } from './gridApi';
import { CellPanel } from './CellPanel';
import { LayoutBar } from './LayoutBar';
import {
  decodeLayout,
  defaultLayout,
  encodeLayout,
  layoutProblem,
  toQuery,
  toggleExpanded,
  type Layout,
  type Trees,
} from './layout';
import { coordinateKey, coordinateOf, reasonOf, reasonText, type GridModel } from './model';
import { PlanningGrid } from './PlanningGrid';
import { maySaveReports, reportDefinition } from './saveReport';
import { SaveReportDialog } from './SaveReportDialog';
import type { CellPosition } from './selection';
import { SpreadDialog, type SpreadTarget } from './SpreadDialog';
import { buildTree, isLeaf, isUnder } from './tree';
import type { Cube, Dimension } from './types';
import { useGridData } from './useGridData';
import './grid.css';

interface Structure {
  cube: Cube;
  dimensions: Dimension[];
  trees: Trees;
  reportingCurrency: string | null;
  /** The reader's roles in this model (held everywhere or given here), as the model API tells them. */
  roles: string[] | null;
}

type Loading = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; structure: Structure };

function userLocale(): string {
  return (typeof navigator !== 'undefined' && navigator.language) || 'en-US';
}

export function CubePage() {
  const params = useParams();
  const model = params.model ?? '';
  const cube = params.cube ?? '';
  const [loading, setLoading] = useState<Loading>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    const options = { signal: controller.signal };
    setLoading({ kind: 'loading' });
    (async () => {
      // Members are read as soon as the cube names its dimensions; the CSRF token the grid query needs meanwhile.
      const found = gridApi.cube({ model, cube }, options);
      const lists = found.then((c) => Promise.all(c.dimensions.map((code) => gridApi.members(model, code, options))));
      const [cubeFound, dimensions, planningModel, memberLists] = await Promise.all([
        found,
        gridApi.dimensions(model, options),
        gridApi.model(model, options),
        lists,
        ensureCsrfToken(),
      ]);
      const used = cubeFound.dimensions
        .map((code) => dimensions.find((d) => d.code === code))
        .filter((d): d is Dimension => Boolean(d));
      const listOf = (code: string) => memberLists[cubeFound.dimensions.indexOf(code)] ?? [];
      const trees: Trees = Object.fromEntries(used.map((d) => [d.code, buildTree(d.code, d.kind ?? 'custom', listOf(d.code))]));
      setLoading({
        kind: 'ready',
        structure: {
          cube: cubeFound,
          dimensions: used,
          trees,
          reportingCurrency: planningModel.reporting_currency ?? null,
          roles: planningModel.roles ?? null,
        },
      });
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) setLoading({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    });
    return () => controller.abort();
  }, [model, cube]);

  if (loading.kind === 'loading') return <p className="muted page">Loading the cube…</p>;
  if (loading.kind === 'failed') {
    return (
      <section className="page">
        <h1>Planning grid</h1>
        <p role="alert" className="form-error">
          {loading.message}
        </p>
        <Link to="/app/planning">Choose another cube</Link>
      </section>
    );
  }
  return <CubeGrid model={model} structure={loading.structure} />;
}

function CubeGrid({ model, structure }: { model: string; structure: Structure }) {
  const { cube, dimensions, trees } = structure;
  const ref = useMemo(() => ({ model, cube: cube.code }), [model, cube.code]);
  const locale = useMemo(userLocale, []);
  const names = useMemo(() => Object.fromEntries(dimensions.map((d) => [d.code, d.name])), [dimensions]);
  const [search, setSearch] = useSearchParams();
  const layoutText = search.get('layout');
  const layout = useMemo(
    () => decodeLayout(layoutText, cube.dimensions, trees) ?? defaultLayout(cube.dimensions, trees),
    [layoutText, cube.dimensions, trees],
  );
  const setLayout = useCallback(
    (next: Layout) =>
      setSearch(
        (previous) => {
          const params = new URLSearchParams(previous);
          params.set('layout', encodeLayout(next));
          return params;
        },
        { replace: true },
      ),
    [setSearch],
  );
  const problem = layoutProblem(layout, trees);
  const query = useMemo(() => (problem ? null : toQuery(layout, trees)), [layout, trees, problem]);
  const data = useGridData(ref, query, trees);
  const [held, setHeld] = useState<Map<string, Record<string, string>>>(new Map());
  const [focus, setFocus] = useState<CellPosition>({ row: 0, col: 0 });
  const [spreadTarget, setSpreadTarget] = useState<SpreadTarget | null>(null);
  const [panelOpen, setPanelOpen] = useState(true);
  const [saving, setSaving] = useState(false);
  const session = useContext(AuthContext); // absent when the page is rendered alone (tests): the API decides
  const maySave = maySaveReports(structure.roles ?? session?.user?.roles);
  const heldKeys = useMemo(() => new Set(held.keys()), [held]);
  const expanded = useMemo(
    () => Object.fromEntries(layout.rows.map((item) => [item.dimension, new Set(item.expanded)])),
    [layout.rows],
  );
  const { model: grid, setMessage } = data;

  const onMessage = useCallback((text: string, kind: 'info' | 'error') => setMessage({ text, kind }), [setMessage]);
  const onFocusCell = useCallback(
    (cell: CellPosition) => {
      setFocus(cell);
      setMessage((m) => (m?.kind === 'error' ? null : m)); // an error is about the cell the user has left
    },
    [setMessage],
  );
  const onToggleExpand = useCallback(
    (dimension: string, code: string) => setLayout(toggleExpanded(layout, dimension, code)),
    [layout, setLayout],
  );

  const onToggleHold = (cells: CellPosition[]) => {
    if (!grid) return;
    const next = new Map(held);
    let changed = 0;
    for (const cell of cells) {
      const coordinate = coordinateOf(grid, cell.row, cell.col);
      if (!coordinate || !Object.entries(coordinate).every(([d, code]) => !trees[d] || isLeaf(trees[d]!, code))) continue;
      const key = coordinateKey(coordinate);
      if (next.has(key)) next.delete(key);
      else next.set(key, coordinate);
      changed++;
    }
    setHeld(next);
    setMessage({
      kind: changed ? 'info' : 'error',
      text: changed
        ? `${next.size} cell${next.size === 1 ? '' : 's'} held: a spread keeps their values.`
        : 'Only leaf cells can be held (totals follow their cells).',
    });
  };

  const onSpreadRequest = (cell: CellPosition, text: string) => {
    if (!grid) return;
    const coordinate = coordinateOf(grid, cell.row, cell.col);
    if (!coordinate) return;
    const under = [...held.values()].filter((h) =>
      Object.entries(coordinate).every(([d, code]) => !trees[d] || (h[d] !== undefined && isUnder(trees[d]!, h[d]!, code))),
    );
    setSpreadTarget({ coordinate, label: cellLabel(grid, cell), initial: text, held: under });
  };

  const focusCoordinate = grid ? coordinateOf(grid, focus.row, focus.col) : null;
  const focusIsLeaf = Boolean(
    focusCoordinate && Object.entries(focusCoordinate).every(([d, code]) => !trees[d] || isLeaf(trees[d]!, code)),
  );
  const focusReason = grid ? reasonOf(grid, focus.row, focus.col, trees) : null;
  const versionDimension = dimensions.find((d) => d.kind === 'version');
  const versions = versionDimension
    ? [...trees[versionDimension.code]!.members.values()].map((m) => ({ code: m.code, name: m.name }))
    : [];

  return (
    <section className="page page-wide grid-page">
      <div className="grid-title">
        <h1>{cube.name}</h1>
        <Link to="/app/planning" className="muted">
          {model} · other cubes
        </Link>
      </div>
      <LayoutBar
        dimensions={dimensions}
        trees={trees}
        layout={layout}
        reportingCurrency={structure.reportingCurrency}
        onChange={setLayout}
      />
      <div className="grid-toolbar" role="toolbar" aria-label="Grid actions">
        <button type="button" className="button" onClick={() => void data.undo()} disabled={!data.canUndo}>
          Undo
        </button>
        <button type="button" className="button" onClick={() => void data.reload()}>
          Reload
        </button>
        <button type="button" className="button" aria-pressed={panelOpen} onClick={() => setPanelOpen(!panelOpen)}>
          Cell details
        </button>
        {maySave && (
          <button type="button" className="button" onClick={() => setSaving(true)} disabled={Boolean(problem)}>
            Save as report
          </button>
        )}
        <span className="muted grid-hint">
          F2 or type to edit · Ctrl+C / Ctrl+V with spreadsheets · Ctrl+Z undo · Alt+H hold · Alt+→ / Alt+← expand
        </span>
      </div>
      <div className="grid-status" role="status" aria-live="polite">
        {data.loading && <span className="muted">Reading… </span>}
        {data.message?.kind === 'info' && <span>{data.message.text}</span>}
        {focusReason && focusReason !== 'variance' && <span className="muted"> Read-only: {reasonText(focusReason)}</span>}
      </div>
      {(problem || data.message?.kind === 'error') && (
        <p role="alert" className="form-error">
          {problem ?? data.message?.text}
        </p>
      )}
      <div className="grid-body">
        {grid && (
          <PlanningGrid
            model={grid}
            trees={trees}
            locale={locale}
            label={`${cube.name} grid`}
            dimensionNames={names}
            held={heldKeys}
            expanded={expanded}
            onWrite={(writes, label) => void data.write(writes, label)}
            onSpreadRequest={onSpreadRequest}
            onUndo={() => void data.undo()}
            onToggleHold={onToggleHold}
            onFocusCell={onFocusCell}
            onToggleExpand={onToggleExpand}
            onMessage={onMessage}
          />
        )}
        {panelOpen && (
          <CellPanel
            cube={ref}
            coordinate={focusCoordinate}
            leaf={focusIsLeaf}
            dataVersion={data.answer?.data_version ?? 0}
            locale={locale}
            names={names}
          />
        )}
      </div>
      {spreadTarget && (
        <SpreadDialog
          target={spreadTarget}
          versions={versions}
          currentVersion={versionDimension ? (spreadTarget.coordinate[versionDimension.code] ?? null) : null}
          locale={locale}
          onSpread={data.spread}
          onClose={() => {
            setSpreadTarget(null);
            document.querySelector<HTMLElement>('.pg-scroll')?.focus();
          }}
        />
      )}
      {saving && (
        <SaveReportDialog
          model={model}
          cube={cube.code}
          initialName={cube.name}
          definition={reportDefinition(layout, trees)}
          onClose={() => setSaving(false)}
        />
      )}
    </section>
  );
}

/** "Revenue · East · Q1 2026": the names of a cell's row and column members. */
function cellLabel(grid: GridModel, cell: CellPosition): string {
  const rowNames = (grid.answer.rows.headers[cell.row] ?? []).map((h) => h.name);
  const columnNames = (grid.columns[cell.col]?.headers ?? []).map((h) => h?.name ?? '');
  return [...rowNames, ...columnNames].filter(Boolean).join(' · ');
}
