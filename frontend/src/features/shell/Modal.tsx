// A modal dialog: a backdrop, the dialog named by its title, and Escape to close (without closing what is behind).
import { useId, type KeyboardEvent, type ReactNode } from 'react';

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const id = useId();
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
  }
  return (
    <div className="modal-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} className="modal" onKeyDown={onKeyDown}>
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
