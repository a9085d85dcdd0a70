// The dialog that opens when a value is typed at a total: how to spread it over the cells below (in proportion
// to their values, evenly, or in proportion to another version), keeping the held cells.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { messageOf } from '../shell/feedback';
import { Modal } from '../shell/Modal';
import { parseNumber } from './numbers';
import type { SpreadMethod, SpreadRequest } from './types';

export interface SpreadTarget {
  coordinate: Record<string, string>;
  /** The total's label, e.g. "Revenue · Q1 2026". */
  label: string;
  initial: string;
  /** Held cells under this total. */
  held: Record<string, string>[];
}

interface Props {
  target: SpreadTarget;
  versions: { code: string; name: string }[];
  currentVersion: string | null;
  locale: string;
  onSpread: (request: SpreadRequest) => Promise<unknown>;
  onClose: () => void;
}

export function SpreadDialog({ target, versions, currentVersion, locale, onSpread, onClose }: Props) {
  const [text, setText] = useState(target.initial);
  const [method, setMethod] = useState<SpreadMethod>('proportional');
  const others = versions.filter((v) => v.code !== currentVersion);
  const [basis, setBasis] = useState(others[0]?.code ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const field = input.current;
    if (!field) return;
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = parseNumber(text, locale);
    if (!parsed.ok || parsed.value === null) {
      setError(`“${text}” is not a number. Type the total to spread.`);
      return;
    }
    if (method === 'basis' && !basis) {
      setError('Choose the version whose values give the shares.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSpread({
        coordinate: target.coordinate,
        value: parsed.value,
        method,
        ...(method === 'basis' ? { basis_version: basis } : {}),
        held: target.held,
      });
      onClose();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <Modal title="Spread a total" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <p className="muted">{target.label}</p>
        <div className="field">
          <label htmlFor="spread-value">New total</label>
          <input id="spread-value" ref={input} inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <fieldset className="field">
          <legend>Spread</legend>
          <label>
            <input type="radio" name="method" checked={method === 'proportional'} onChange={() => setMethod('proportional')} />{' '}
            In proportion to the current values
          </label>
          <label>
            <input type="radio" name="method" checked={method === 'even'} onChange={() => setMethod('even')} /> Evenly
          </label>
          <label>
            <input
              type="radio"
              name="method"
              checked={method === 'basis'}
              onChange={() => setMethod('basis')}
              disabled={!others.length}
            />{' '}
            In proportion to another version
          </label>
          {method === 'basis' && (
            <select aria-label="Basis version" value={basis} onChange={(e) => setBasis(e.target.value)}>
              {others.map((v) => (
                <option key={v.code} value={v.code}>
                  {v.name}
                </option>
              ))}
            </select>
          )}
        </fieldset>
        <p className="muted">
          {target.held.length
            ? target.held.length === 1
              ? '1 held cell keeps its value.'
              : `${target.held.length} held cells keep their values.`
            : 'No held cells: mark cells with Alt+H to keep their values.'}{' '}
          Locked periods and calculated accounts keep theirs.
        </p>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-strong" disabled={busy}>
            Spread
          </button>
        </div>
      </form>
    </Modal>
  );
}
