// Calls of the reports area. A report's numbers always come from the grid query endpoint, run as the reader.
import { api } from '../../api/client';
import type { Dashboard, GridAnswer, GridQuery, Report, ReportDefinition } from './types';

const enc = encodeURIComponent;
const modelUrl = (model: string) => `/api/v1/models/${enc(model)}`;

export interface ModelInfo {
  code: string;
  name: string;
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
};

/** Where the app shows a report. */
export function reportPath(model: string, code: string): string {
  return `/app/reports/${enc(model)}/${enc(code)}`;
}
