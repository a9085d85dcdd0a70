// A dashboard: its saved reports and charts as tiles, each read through the grid with the reader's access.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ReportBody, useReport } from '../reports/ReportView';
import { reportsApi } from '../reports/reportsApi';
import type { Dashboard, DashboardItem } from '../reports/types';
import '../reports/reports.css';

function Tile({ model, item }: { model: string; item: DashboardItem }) {
  const state = useReport(model, item.report);
  return (
    <article className={`dashboard-tile ${item.size}`} aria-label={state.kind === 'loaded' ? state.report.name : item.report}>
      {state.kind === 'loading' && <p className="muted">Loading…</p>}
      {state.kind === 'failed' && <p className="form-error">{state.message}</p>}
      {state.kind === 'loaded' && (
        <>
          <h2>
            <Link to={`/app/reports/${encodeURIComponent(model)}/${encodeURIComponent(item.report)}`}>{state.report.name}</Link>
          </h2>
          <ReportBody report={state.report} answer={state.answer} height={item.size === 'large' ? 340 : 260} />
        </>
      )}
    </article>
  );
}

export function DashboardView({ model, code }: { model: string; code: string }) {
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    reportsApi
      .dashboards(model) // makes the standard reports and dashboard on first use
      .then((found) => {
        const hit = found.find((d) => d.code === code);
        if (hit) setDashboard(hit);
        else setError(`There is no dashboard ${code}.`);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [model, code]);
  if (error) return <p role="alert" className="form-error">{error}</p>;
  if (!dashboard) return <p className="muted">Loading…</p>;
  return (
    <section aria-label={`${dashboard.name} dashboard`}>
      <h2>{dashboard.name}</h2>
      <div className="dashboard">
        {dashboard.items.map((item) => (
          <Tile key={item.report} model={model} item={item} />
        ))}
      </div>
    </section>
  );
}

export function DashboardPage() {
  const { model = '', code = '' } = useParams();
  return (
    <section className="page">
      <p>
        <Link to="/app/reports">Reports</Link>
      </p>
      <DashboardView model={model} code={code} />
    </section>
  );
}

/** Home of the demo: when the demo model exists (and the reader may see it), its Overview dashboard. */
export function DemoDashboard() {
  const [present, setPresent] = useState(false);
  useEffect(() => {
    reportsApi
      .models()
      .then((models) => setPresent(models.some((m) => m.code === 'demo')))
      .catch(() => setPresent(false));
  }, []);
  return present ? <DashboardView model="demo" code="overview" /> : null;
}

export default DashboardPage;
