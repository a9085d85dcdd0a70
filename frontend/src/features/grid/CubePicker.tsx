// The models the user may see and their cubes, each cube a link to its planning grid.
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { gridApi } from './gridApi';
import type { Cube, PlanningModel } from './types';

type State =
  | { kind: 'loading' }
  | { kind: 'loaded'; models: { model: PlanningModel; cubes: Cube[] }[] }
  | { kind: 'failed'; message: string };

export function cubePath(model: string, cube: string): string {
  return `/app/models/${encodeURIComponent(model)}/cubes/${encodeURIComponent(cube)}`;
}

export function CubePicker() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    const options = { signal: controller.signal };
    gridApi
      .models(options)
      .then((models) => Promise.all(models.map(async (model) => ({ model, cubes: await gridApi.cubes(model.code, options) }))))
      .then((models) => setState({ kind: 'loaded', models }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
    return () => controller.abort();
  }, []);

  return (
    <section className="card card-wide" aria-labelledby="cube-picker-title">
      <h2 id="cube-picker-title">Open a planning grid</h2>
      {state.kind === 'loading' && <p className="muted">Loading models…</p>}
      {state.kind === 'failed' && (
        <p role="alert" className="form-error">
          {state.message}
        </p>
      )}
      {state.kind === 'loaded' && !state.models.length && <p className="muted">There is no model you may see yet.</p>}
      {state.kind === 'loaded' &&
        state.models.map(({ model, cubes }) => (
          <div key={model.code} className="cube-list">
            <h3>{model.name}</h3>
            {cubes.length ? (
              <ul>
                {cubes.map((cube) => (
                  <li key={cube.code}>
                    <Link to={cubePath(model.code, cube.code)}>{cube.name}</Link>{' '}
                    <span className="muted">({cube.dimensions.join(' × ')})</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">No cubes yet.</p>
            )}
          </div>
        ))}
    </section>
  );
}
