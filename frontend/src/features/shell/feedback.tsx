// What the pages tell the user about their requests: an error text, the outcome of an action (done, or what went
// wrong), and the loading, failed and empty states of a list.
import type { ReactNode } from 'react';

/** The outcome of an action: what was done, or what went wrong; null before any. */
export type Outcome = { ok: boolean; text: string } | null;

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ErrorText({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="form-error">
      {message}
    </p>
  );
}

export function OutcomeText({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  return outcome.ok ? (
    <p role="status" className="ok-text">
      {outcome.text}
    </p>
  ) : (
    <ErrorText message={outcome.text} />
  );
}

/**
 * The state of a list being loaded: its error, the `loading` text, or the `empty` text once loaded with nothing
 * to show (`shown` counts what the page lists, which may be fewer than loaded).
 */
export function ListStatus({
  load,
  shown,
  loading,
  empty,
}: {
  load: { status: 'loading' | 'loaded' | 'failed'; error?: string };
  shown: number;
  loading?: ReactNode;
  empty?: ReactNode;
}) {
  if (load.status === 'failed') return <ErrorText message={load.error} />;
  if (load.status === 'loading') return loading ? <p className="muted">{loading}</p> : null;
  return !shown && empty ? <p className="muted">{empty}</p> : null;
}
