// Pieces shared by the Data, Versions, Workflow and Administration pages: loading state, the model and cube
// pickers, a slice editor, and number/date formats (error texts live in shell/feedback, re-exported here).
import { useCallback, useEffect, useId, useRef, useState, type DependencyList } from 'react';
import { ErrorText, messageOf } from '../shell/feedback';
import { dataApi, type Cube, type Dimension, type Member, type PlanningModel } from './dataApi';

export { ErrorText, messageOf };

export type Load<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'loaded'; data: T; error?: undefined }
  | { status: 'failed'; data?: undefined; error: string };

/** Runs `load` when the dependencies change (aborting the previous run) and on `reload()`. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Load<T> & { reload: () => void } {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const lastTick = useRef(tick);
  useEffect(() => {
    const controller = new AbortController();
    // A reload keeps showing what was loaded until the new answer comes; other inputs start afresh.
    const reloading = lastTick.current !== tick;
    lastTick.current = tick;
    setState((current) => (reloading && current.status === 'loaded' ? current : { status: 'loading' }));
    loadRef
      .current(controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) setState({ status: 'loaded', data });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'failed', error: messageOf(error) });
      });
    return () => controller.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

const MODEL_KEY = 'opencorpo.model';

function rememberedModel(): string {
  try {
    return sessionStorage.getItem(MODEL_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The model chosen on these pages (remembered for the session, so each page opens on the same one). */
export function useModelChoice(): [string, (code: string) => void] {
  const [model, setModel] = useState(rememberedModel);
  const choose = useCallback((code: string) => {
    setModel(code);
    try {
      sessionStorage.setItem(MODEL_KEY, code);
    } catch {
      // storage may be off; the choice then lasts for this page only
    }
  }, []);
  return [model, choose];
}

export function ModelPicker({ value, onChange }: { value: string; onChange: (code: string) => void }) {
  const id = useId();
  const models = useLoad((signal) => dataApi.models({ signal }), []);
  const list: PlanningModel[] = models.data ?? [];
  useEffect(() => {
    if (models.status === 'loaded' && list.length && !list.some((m) => m.code === value)) onChange(list[0]!.code);
  }, [models.status, list, value, onChange]);
  if (models.status === 'failed') return <ErrorText message={models.error} />;
  if (models.status === 'loading') return <p className="muted">Loading models…</p>;
  if (!list.length) return <p className="muted">There is no model you may see yet.</p>;
  return (
    <div className="field-inline">
      <label htmlFor={id}>Model</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {list.map((m) => (
          <option key={m.code} value={m.code}>
            {m.name} ({m.code})
          </option>
        ))}
      </select>
    </div>
  );
}

export function CubeSelect({
  model,
  value,
  onChange,
}: {
  model: string;
  value: string;
  onChange: (code: string, cube: Cube | null) => void;
}) {
  const id = useId();
  const cubes = useLoad((signal) => (model ? dataApi.cubes(model, { signal }) : Promise.resolve([])), [model]);
  const list: Cube[] = cubes.data ?? [];
  useEffect(() => {
    if (cubes.status !== 'loaded') return;
    const found = list.find((c) => c.code === value);
    if (!found) onChange(list[0]?.code ?? '', list[0] ?? null);
  }, [cubes.status, list, value, onChange]);
  if (cubes.status === 'failed') return <ErrorText message={cubes.error} />;
  if (!model) return null;
  if (cubes.status === 'loading') return <p className="muted">Loading cubes…</p>;
  if (!list.length) return <p className="muted">This model has no cubes yet.</p>;
  return (
    <div className="field-inline">
      <label htmlFor={id}>Cube</label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value, list.find((c) => c.code === event.target.value) ?? null)}
      >
        {list.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name} ({c.code})
          </option>
        ))}
      </select>
    </div>
  );
}

/** The model's dimensions, keyed by code. */
export function useDimensions(model: string) {
  return useLoad(
    async (signal): Promise<Map<string, Dimension>> =>
      model ? new Map((await dataApi.dimensions(model, { signal })).map((d) => [d.code, d])) : new Map(),
    [model],
  );
}

/** One text field per dimension for the members of a slice (codes separated by commas; empty: all). */
export function SliceEditor({
  dimensions,
  texts,
  onChange,
  legend,
}: {
  dimensions: { code: string; name: string }[];
  texts: Record<string, string>;
  onChange: (texts: Record<string, string>) => void;
  legend: string;
}) {
  const id = useId();
  return (
    <fieldset className="slice-editor">
      <legend>{legend}</legend>
      <p className="muted small">Member codes separated by commas; a total stands for its leaves. Leave empty for all.</p>
      <div className="slice-fields">
        {dimensions.map((d) => (
          <div className="field-inline" key={d.code}>
            <label htmlFor={`${id}-${d.code}`}>{d.name} members</label>
            <input
              id={`${id}-${d.code}`}
              type="text"
              value={texts[d.code] ?? ''}
              placeholder="all"
              onChange={(event) => onChange({ ...texts, [d.code]: event.target.value })}
            />
          </div>
        ))}
      </div>
    </fieldset>
  );
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : numberFormat.format(value);
}

export function formatWhen(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** The members of each of the given dimensions (as the reader may see them), keyed by dimension code. */
export function useMembersOf(model: string, dimensions: string[]) {
  const key = dimensions.join('|');
  return useLoad(async (signal): Promise<Record<string, Member[]>> => {
    const lists = await Promise.all(
      dimensions.map(async (d) => [d, await dataApi.members(model, d, { signal })] as const),
    );
    return Object.fromEntries(lists);
  }, [model, key]);
}
