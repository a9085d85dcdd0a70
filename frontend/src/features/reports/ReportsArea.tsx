// The reports area: a model's reports (the standard ones are made on first listing) and its dashboards.
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { reportsApi, type ModelInfo } from './reportsApi';
import type { Dashboard, Report } from './types';
import './reports.css';

export default function ReportsArea() {
  const [models, setModels] = useState<ModelInfo[] | null>(null);
  const [model, setModel] = useState('');
  const [reports, setReports] = useState<Report[]>([]);
  const [dashboards, setDashboards] = useState<Dashboard[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    reportsApi
      .models()
      .then((found) => {
        setModels(found);
        const first = found.find((m) => m.code === 'demo') ?? found[0];
        if (first) setModel(first.code);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, []);

  useEffect(() => {
    if (!model) return;
    reportsApi
      .list(model)
      .then(async (found) => {
        setReports(found);
        setDashboards(await reportsApi.dashboards(model));
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [model]);

  if (error) return <p role="alert" className="form-error">{error}</p>;
  if (!models) return <p className="muted">Loading…</p>;
  if (!models.length) return <p className="muted">No models yet.</p>;
  return (
    <div className="reports-area">
      {models.length > 1 && (
        <label>
          Model{' '}
          <select value={model} onChange={(e) => setModel(e.target.value)}>
            {models.map((m) => (
              <option key={m.code} value={m.code}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <h2>Dashboards</h2>
      <ul className="report-list">
        {dashboards.map((d) => (
          <li key={d.code}>
            <Link to={`/app/dashboards/${encodeURIComponent(model)}/${encodeURIComponent(d.code)}`}>{d.name}</Link>
          </li>
        ))}
      </ul>
      <h2>Reports</h2>
      <ul className="report-list">
        {reports.map((r) => (
          <li key={r.code}>
            <Link to={`/app/reports/${encodeURIComponent(model)}/${encodeURIComponent(r.code)}`}>{r.name}</Link>{' '}
            <span className="muted">{r.kind === 'chart' ? 'chart' : 'table'}{r.shared ? '' : ' · private'}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
