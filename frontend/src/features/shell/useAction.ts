// Runs a page's actions one at a time and keeps the outcome of the last one, for buttons that call the API.
import { useCallback, useState } from 'react';
import { messageOf, type Outcome } from './feedback';

export interface Action<K> {
  /** The running action's key (e.g. the row it acts on), or null when none runs. */
  busy: K | null;
  /** What the last action did (the text it returned) or what went wrong with it. */
  outcome: Outcome;
  setOutcome: (outcome: Outcome) => void;
  /** Clears the outcome, runs `action`, and shows the text it returns (none: no outcome) or its error. */
  run: (key: K, action: () => Promise<string | void>) => Promise<void>;
}

export function useAction<K = true>(): Action<K> {
  const [busy, setBusy] = useState<K | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const run = useCallback(async (key: K, action: () => Promise<string | void>) => {
    setBusy(key);
    setOutcome(null);
    try {
      const text = await action();
      if (text) setOutcome({ ok: true, text });
    } catch (error) {
      setOutcome({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, outcome, setOutcome, run };
}
