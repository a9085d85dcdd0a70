// Calls of the reports area. A report's numbers always come from the grid query endpoint, run as the reader.
import { api } from '../../api/client';
import type { Dashboard, GridAnswer, GridQuery, Report, ReportDefinition } from './types';

const enc = encodeURIComponent;
const modelUrl = (model: string) => `/api/v1/models/${enc(model)}`;

export interface ModelInfo {
  code: string;
  name: string;
}

export interface JobInfo {
  id: string;
  status: string;
  error?: unknown;
  result: { files?: string[] } | null;
}

export const reportsApi = {
  models: () => api.get<ModelInfo[]>('/api/v1/models/'),
  list: (model: string) => api.get<Report[]>(`${modelUrl(model)}/reports/`),
  get: (model: string, code: string) => api.get<Report>(`${modelUrl(model)}/reports/${enc(code)}`),
  save: (
    model: string,
    body: { code: string; name: string; kind: 'grid' | 'chart'; cube: string; definition: ReportDefinition; shared: boolean },
  ) => api.post<Report>(`${modelUrl(model)}/reports/`, body),
  remove: (model: string, code: string) => api.delete<null>(`${modelUrl(model)}/reports/${enc(code)}`),
  dashboards: (model: string) => api.get<Dashboard[]>(`${modelUrl(model)}/dashboards/`),
  dashboard: (model: string, code: string) => api.get<Dashboard>(`${modelUrl(model)}/dashboards/${enc(code)}`),
  query: (model: string, cube: string, query: GridQuery, signal?: AbortSignal) =>
    api.post<GridAnswer>(`${modelUrl(model)}/cubes/${enc(cube)}/query`, query, { signal }),
  exportStart: (model: string, cube: string, query: GridQuery, format: 'xlsx' | 'csv') =>
    api.post<JobInfo>(`${modelUrl(model)}/cubes/${enc(cube)}/exports/`, { query, format }),
  job: (id: string) => api.get<JobInfo>(`/api/v1/jobs/${enc(id)}`),
};

/** Where the app shows a report. */
export function reportPath(model: string, code: string): string {
  return `/app/reports/${enc(model)}/${enc(code)}`;
}

export function jobFileUrl(id: string, name: string): string {
  return `/api/v1/jobs/${enc(id)}/files/${enc(name)}`;
}

/** Starts an export, polls its job until it ends, then lets the browser download the file. */
export async function exportReport(
  model: string,
  cube: string,
  query: GridQuery,
  format: 'xlsx' | 'csv',
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<string> {
  let job = await reportsApi.exportStart(model, cube, query, format);
  for (let i = 0; i < 300 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
    await wait(Math.min(2000, 250 * (i + 1)));
    job = await reportsApi.job(job.id);
  }
  const name = job.result?.files?.[0];
  if (job.status !== 'succeeded' || !name) throw new Error(`The export did not finish (${job.status}).`);
  const url = jobFileUrl(job.id, name);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  return url;
}
