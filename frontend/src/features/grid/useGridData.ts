// The grid's data: reads the answer for a query, writes cells (the typed value shows at once, the affected rows
// are re-read first and the whole grid after), spreads totals and undoes the last writes, and counts a comment added
// in the cell panel on its cell. Callbacks are keyed by the query's content, not its identity.
import { useCallback, useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { ApiError } from '../../api/client';
import { onCommentAdded, withComment } from './comments';
import { gridApi, type CubeRef } from './gridApi';
import type { Trees } from './layout';
import { buildModel, cellValue, coordinateOf, rowVersionOf, type GridModel } from './model';
import type { PlannedWrite } from './paste';
import { affectedQuery, patchAnswer, withRowVersions, withValues } from './refresh';
import type { GridAnswer, GridQuery, SpreadRequest, SpreadResult } from './types';
import { peekUndo, popUndo, pushUndo, undoWrites, type UndoEntry } from './undo';

const FULL_RELOAD_DELAY_MS = 400;

export interface Message {
  kind: 'info' | 'error';
  text: string;
}

export interface GridData {
  answer: GridAnswer | null;
  model: GridModel | null;
  loading: boolean;
  message: Message | null;
  canUndo: boolean;
  setMessage: Dispatch<SetStateAction<Message | null>>;
  reload: () => Promise<void>;
  write: (writes: PlannedWrite[], label: string) => Promise<boolean>;
  undo: () => Promise<void>;
  spread: (request: SpreadRequest) => Promise<SpreadResult>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function useGridData(ref: CubeRef, query: GridQuery | null, trees: Trees): GridData {
  const [answer, setAnswerState] = useState<GridAnswer | null>(null);
  const [loading, setLoading] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [undoStack, setUndoStack] = useState<UndoEntry[]>([]);
  const answerRef = useRef<GridAnswer | null>(null);
  const pendingWrites = useRef(0);
  const newestVersion = useRef(0); // the newest data version this client wrote: older answers are stale
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const queryKey = query ? JSON.stringify(query) : null;
  const refKey = `${ref.model}/${ref.cube}`;

  const setAnswer = useCallback((next: GridAnswer | null) => {
    answerRef.current = next;
    setAnswerState(next);
  }, []);

  const accept = useCallback(
    (next: GridAnswer) => {
      if (pendingWrites.current > 0 || next.data_version < newestVersion.current) return false;
      setAnswer(next);
      return true;
    },
    [setAnswer],
  );

  const reload = useCallback(async () => {
    if (!query) return;
    setLoading(true);
    try {
      accept(await gridApi.query(ref, query));
    } catch (error) {
      setMessage({ kind: 'error', text: messageOf(error) });
    } finally {
      setLoading(false);
    }
  }, [queryKey, refKey, accept]);

  useEffect(() => {
    if (!query) {
      setAnswer(null);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    gridApi
      .query(ref, query, { signal: controller.signal })
      .then((next) => {
        setAnswer(next);
        setMessage((m) => (m?.kind === 'error' ? null : m));
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setMessage({ kind: 'error', text: messageOf(error) });
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [queryKey, refKey, setAnswer]);

  useEffect(() => () => void (reloadTimer.current && clearTimeout(reloadTimer.current)), []);

  // Comments do not move the data version: the new one is counted here; the next read brings the server's count.
  useEffect(
    () =>
      onCommentAdded(({ model, cube, coordinate }) => {
        const current = answerRef.current;
        if (current && model === ref.model && cube === ref.cube) setAnswer(withComment(current, coordinate));
      }),
    [refKey, setAnswer],
  );

  useEffect(() => {
    newestVersion.current = 0; // data versions count per cube
    setUndoStack([]);
  }, [refKey]);

  const scheduleReload = useCallback(() => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void reload(), FULL_RELOAD_DELAY_MS);
  }, [reload]);

  /**
   * Re-reads the rows a write can change (see affectedQuery) and patches them in: nothing else on screen depends on
   * the written cells. When that is most of the grid, or the rows could not be matched, the whole grid is re-read.
   */
  const refreshRows = useCallback(
    async (rows: number[]) => {
      const current = answerRef.current;
      const partial = query && current ? affectedQuery(query, current, rows, trees) : null;
      if (!partial || !current) return reload();
      const part = await gridApi.query(ref, partial);
      const latest = answerRef.current;
      if (!latest || part.data_version < newestVersion.current) return scheduleReload(); // a newer write follows
      const patched = patchAnswer(latest, part);
      if (patched === latest) return reload();
      setAnswer(patched);
    },
    [queryKey, refKey, trees, reload, scheduleReload, setAnswer],
  );

  const failed = useCallback(
    async (error: unknown) => {
      const stale = error instanceof ApiError && error.status === 409;
      setMessage({ kind: 'error', text: messageOf(error) + (stale ? ' The grid was reloaded.' : '') });
      await reload(); // shows what the server holds, dropping the values typed ahead
    },
    [reload],
  );

  const write = useCallback(
    async (writes: PlannedWrite[], label: string) => {
      const current = answerRef.current;
      if (!current || !writes.length) return false;
      const model = buildModel(current);
      const cells = writes.map((w) => ({
        ...w,
        source: model.columns[w.col]!.source,
        coordinate: coordinateOf(model, w.row, w.col)!,
        before: cellValue(model, w.row, w.col),
        rowVersion: rowVersionOf(model, w.row, w.col),
      }));
      setAnswer(withValues(current, cells));
      pendingWrites.current++;
      try {
        const result = await gridApi.writeCells(
          ref,
          cells.map((c) => ({ coordinate: c.coordinate, value: c.value, row_version: c.rowVersion })),
        );
        newestVersion.current = Math.max(newestVersion.current, result.data_version);
        const entry: UndoEntry = {
          label,
          cells: cells.map((c, i) => ({
            coordinate: c.coordinate,
            before: c.before,
            after: c.value,
            rowVersion: result.row_versions[i] ?? null,
          })),
        };
        setUndoStack((stack) => pushUndo(stack, entry));
        if (answerRef.current) {
          const versions = cells.map((c, i) => ({ row: c.row, source: c.source, version: result.row_versions[i] ?? 0 }));
          setAnswer(withRowVersions(answerRef.current, versions));
        }
      } catch (error) {
        pendingWrites.current--;
        await failed(error);
        return false;
      }
      pendingWrites.current--;
      if (writes.length > 1) setMessage({ kind: 'info', text: label });
      try {
        await refreshRows([...new Set(cells.map((c) => c.row))]);
      } catch (error) {
        setMessage({ kind: 'error', text: messageOf(error) });
      }
      return true;
    },
    [refKey, failed, refreshRows, setAnswer],
  );

  const undo = useCallback(async () => {
    const entry = peekUndo(undoStack);
    if (!entry) {
      setMessage({ kind: 'info', text: 'Nothing to undo.' });
      return;
    }
    pendingWrites.current++;
    try {
      const result = await gridApi.writeCells(ref, undoWrites(entry));
      newestVersion.current = Math.max(newestVersion.current, result.data_version);
      setUndoStack(popUndo);
      pendingWrites.current--;
      setMessage({ kind: 'info', text: `Undid: ${entry.label.replace(/\.$/, '')}.` });
      await reload();
    } catch (error) {
      pendingWrites.current--;
      if (error instanceof ApiError && error.status === 409) setUndoStack(popUndo);
      await failed(error);
    }
  }, [undoStack, refKey, failed, reload]);

  const spread = useCallback(
    async (request: SpreadRequest) => {
      const result = await gridApi.spread(ref, request);
      newestVersion.current = Math.max(newestVersion.current, result.data_version);
      setUndoStack([]); // a spread is not undone cell by cell; older entries no longer match the cells
      const notes = result.notes.length ? ` ${result.notes.join(' ')}` : '';
      const kept = result.held ? `, ${result.held} kept` : '';
      const cells = `${result.cells} cell${result.cells === 1 ? '' : 's'}`;
      setMessage({ kind: 'info', text: `Spread over ${cells} (${result.changed} changed${kept}).${notes}` });
      await reload();
      return result;
    },
    [refKey, reload],
  );

  const model = useMemo(() => (answer ? buildModel(answer) : null), [answer]);
  return { answer, model, loading, message, canUndo: undoStack.length > 0, setMessage, reload, write, undo, spread };
}
