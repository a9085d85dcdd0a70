// Page for one product area: its name, what lives there, and the area's content when it has some.
import type { ReactNode } from 'react';
import type { Area } from './areas';

export function AreaPage({ area, children }: { area: Area; children?: ReactNode }) {
  return (
    <section className="page">
      <h1>{area.label}</h1>
      <p className="lead">{area.description}</p>
      {children}
    </section>
  );
}
