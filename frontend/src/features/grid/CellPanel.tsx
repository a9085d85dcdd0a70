// Side panel for the focused cell: what makes its number (formula and inputs, ratio parts, or the children of a
// total with their contributions), the recorded changes of a leaf cell, and the cell's comments with a form to add one.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { commentAdded } from './comments';
import { gridApi, type CubeRef } from './gridApi';
import { formatValue } from './numbers';
import type { Change, Comment, Explanation } from './types';

interface Props {
  cube: CubeRef;
  coordinate: Record<string, string> | null;
  /** Whether every member of the cell is a leaf (history is kept per leaf cell). */
  leaf: boolean;
  dataVersion: number;
  locale: string;
  names: Record<string, string>;
}

type Loaded<T> = { state: 'idle' } | { state: 'loading' } | { state: 'done'; data: T } | { state: 'failed'; message: string };

const DEBOUNCE_MS = 200;

const failure = (error: unknown) => ({ state: 'failed' as const, message: error instanceof Error ? error.message : String(error) });

export function CellPanel({ cube, coordinate, leaf, dataVersion, locale, names }: Props) {
  const [explanation, setExplanation] = useState<Loaded<Explanation>>({ state: 'idle' });
  const [history, setHistory] = useState<Loaded<Change[]>>({ state: 'idle' });
  const key = coordinate ? JSON.stringify(coordinate) : null;

  useEffect(() => {
    if (!coordinate) {
      setExplanation({ state: 'idle' });
      setHistory({ state: 'idle' });
      return;
    }
    const controller = new AbortController();
    setExplanation({ state: 'loading' }); // never show another cell's numbers under this cell's name
    setHistory(leaf ? { state: 'loading' } : { state: 'idle' });
    const timer = setTimeout(() => {
      gridApi
        .explain(cube, coordinate, { signal: controller.signal })
        .then((data) => setExplanation({ state: 'done', data }))
        .catch((error: unknown) => !controller.signal.aborted && setExplanation(failure(error)));
      if (leaf) {
        gridApi
          .history(cube, coordinate, { signal: controller.signal })
          .then((data) => setHistory({ state: 'done', data }))
          .catch((error: unknown) => !controller.signal.aborted && setHistory(failure(error)));
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // Keyed by the cell's content and the data version it shows.
  }, [key, leaf, dataVersion, cube.model, cube.cube]);

  const number = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatValue(v, locale));

  return (
    <aside className="cell-panel" aria-label="Cell details">
      <h2>Cell</h2>
      {!coordinate && <p className="muted">Select a value cell to see what makes it.</p>}
      {coordinate && (
        <dl className="cell-coordinate">
          {Object.entries(coordinate).map(([d, code]) => (
            <div key={d}>
              <dt>{names[d] ?? d}</dt>
              <dd>{code}</dd>
            </div>
          ))}
        </dl>
      )}
      <section aria-label="Explanation">
        <h3>Explanation</h3>
        {explanation.state === 'loading' && <p className="muted">Loading…</p>}
        {explanation.state === 'failed' && <p className="form-error">{explanation.message}</p>}
        {explanation.state === 'done' && (
          <>
            <p>
              Value: <strong>{number(explanation.data.value)}</strong>
            </p>
            {explanation.data.formula && (
              <>
                <p>
                  Formula: <code>{explanation.data.formula.text}</code>
                </p>
                <table className="mini">
                  <caption>Inputs</caption>
                  <tbody>
                    {explanation.data.formula.inputs.map((input) => (
                      <tr key={input.reference}>
                        <th scope="row">{input.reference}</th>
                        <td>{input.hidden ? 'hidden' : number(input.value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
            {explanation.data.ratio && (
              <p>
                Ratio: {explanation.data.ratio.numerator.account} ({number(explanation.data.ratio.numerator.value)}) ÷{' '}
                {explanation.data.ratio.denominator.account} ({number(explanation.data.ratio.denominator.value)}) ×{' '}
                {explanation.data.ratio.scale}
              </p>
            )}
            {explanation.data.children.map((group) => (
              <table className="mini" key={group.dimension}>
                <caption>
                  {group.member}: made of its {names[group.dimension] ?? group.dimension} children
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Value</th>
                    <th scope="col">Contribution</th>
                  </tr>
                </thead>
                <tbody>
                  {group.items.map((item) => (
                    <tr key={item.code}>
                      <th scope="row">{item.name}</th>
                      <td>{number(item.value)}</td>
                      <td>{number(item.contribution)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
          </>
        )}
      </section>
      {leaf && (
        <section aria-label="History">
          <h3>History</h3>
          {history.state === 'loading' && <p className="muted">Loading…</p>}
          {history.state === 'failed' && <p className="form-error">{history.message}</p>}
          {history.state === 'done' && !history.data.length && <p className="muted">No recorded changes.</p>}
          {history.state === 'done' && history.data.length > 0 && (
            <ol className="history">
              {history.data.map((change) => (
                <li key={`${change.batch}-${change.data_version}`}>
                  <span>
                    {number(change.old_value)} → <strong>{number(change.new_value)}</strong>
                  </span>
                  <span className="muted">
                    {change.user ?? 'system'} · {change.source} · {new Date(change.changed_at).toLocaleString(locale)}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
      {coordinate && <Comments cube={cube} coordinate={coordinate} locale={locale} />}
    </aside>
  );
}

/** The cell's thread (any cell, leaf or total) and a form to add to it; the grid's marker follows (commentAdded). */
function Comments({ cube, coordinate, locale }: { cube: CubeRef; coordinate: Record<string, string>; locale: string }) {
  const [comments, setComments] = useState<Loaded<Comment[]>>({ state: 'loading' });
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(coordinate);
  const shown = useRef(key); // the cell on screen: an answer for a cell since left is dropped

  useEffect(() => {
    shown.current = key;
    setComments({ state: 'loading' });
    setText('');
    setError(null);
    const controller = new AbortController();
    const timer = setTimeout(() => {
      gridApi
        .comments(cube, coordinate, { signal: controller.signal })
        .then((data) => setComments({ state: 'done', data }))
        .catch((reason: unknown) => !controller.signal.aborted && setComments(failure(reason)));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, cube.model, cube.cube]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim() || sending) return;
    const asked = key;
    setSending(true);
    setError(null);
    try {
      const comment = await gridApi.addComment(cube, coordinate, text);
      commentAdded({ ...cube, coordinate });
      if (shown.current !== asked) return;
      setComments((list) => ({ state: 'done', data: [...(list.state === 'done' ? list.data : []), comment] }));
      setText('');
    } catch (reason) {
      if (shown.current === asked) setError(failure(reason).message);
    } finally {
      setSending(false);
    }
  };

  return (
    <section aria-label="Comments">
      <h3>Comments</h3>
      {comments.state === 'loading' && <p className="muted">Loading…</p>}
      {comments.state === 'failed' && <p className="form-error">{comments.message}</p>}
      {comments.state === 'done' && !comments.data.length && <p className="muted">No comments on this cell.</p>}
      {comments.state === 'done' && comments.data.length > 0 && (
        <ol className="comments">
          {comments.data.map((comment) => (
            <li key={comment.id}>
              <span className="muted">
                {comment.author ?? 'unknown'} · {new Date(comment.created_at).toLocaleString(locale)}
                {comment.copied_from && ` · copied from ${comment.copied_from}`}
              </span>
              <span className="comment-text">{comment.text}</span>
            </li>
          ))}
        </ol>
      )}
      <form className="comment-form" onSubmit={(e) => void add(e)}>
        <label>
          New comment
          <textarea value={text} rows={3} maxLength={4000} onChange={(e) => setText(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={!text.trim() || sending}>
          Add comment
        </button>
      </form>
    </section>
  );
}
