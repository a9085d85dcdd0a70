// Placeholder page for one product area: its name and what will live there.
import type { Area } from './areas';

export function AreaPage({ area }: { area: Area }) {
  return (
    <section className="page">
      <h1>{area.label}</h1>
      <p className="lead">{area.description}</p>
    </section>
  );
}
