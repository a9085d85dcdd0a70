// Calls of the Data area (and the model/cube/member lookups the other admin pages share): imports as multipart
// uploads, their history and undo, saved mappings, exports.
import { ApiError, api, refreshCsrfToken, toApiError, type RequestOptions } from '../../api/client';
import { typedGet, type Schemas } from '../../api/typed';
import type { Job } from './jobs';
import type { MappingDefinition } from './mapping';

export type PlanningModel = Schemas['Model'];
export type Cube = Schemas['Cube'];
export type Dimension = Schemas['Dimension'];
export type Member = Schemas['Member'];
export type SavedMapping = Omit<Schemas['Mapping'], 'definition'> & { definition: MappingDefinition };
export type ImportMode = Schemas['ModeEnum'];
export type ExportFormat = Schemas['FormatEnum'];
export type GridQuery = Schemas['GridQueryRequest'];

export type ImportBatch = Omit<Schemas['ImportBatch'], 'job' | 'control' | 'slice'> & {
  job: Job | null;
  control: Record<string, unknown> | null;
  slice: Record<string, string[]> | null;
};

const enc = encodeURIComponent;
const cubeUrl = (model: string, cube: string) => `/api/v1/models/${enc(model)}/cubes/${enc(cube)}`;

export interface ImportRequest {
  file: File;
  mapping?: MappingDefinition | object;
  mappingCode?: string;
  mode: ImportMode;
  slice?: Record<string, string[]>;
  skipBadRows: boolean;
  validateOnly: boolean;
}

/** Sends a multipart form with the session's CSRF token; errors become ApiError with the server's message. */
async function postForm<T>(url: string, form: FormData): Promise<T> {
  const token = await refreshCsrfToken();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': token },
    });
  } catch {
    throw new ApiError({ code: 'network_error', message: 'Could not reach the server. Check your connection and try again.', status: 0 });
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw toApiError(response.status, body);
  return body as T;
}

export const dataApi = {
  models: (options?: RequestOptions): Promise<PlanningModel[]> => typedGet('/api/v1/models/', {}, options),
  cubes: (model: string, options?: RequestOptions): Promise<Cube[]> =>
    typedGet('/api/v1/models/{model}/cubes/', { model }, options),
  dimensions: (model: string, options?: RequestOptions): Promise<Dimension[]> =>
    typedGet('/api/v1/models/{model}/dimensions/', { model }, options),
  members: (model: string, dimension: string, options?: RequestOptions): Promise<Member[]> =>
    typedGet('/api/v1/models/{model}/dimensions/{dimension}/members/', { model, dimension }, options),

  upload: (model: string, cube: string, request: ImportRequest): Promise<ImportBatch> => {
    const form = new FormData();
    form.append('file', request.file, request.file.name);
    if (request.mapping) form.append('mapping', JSON.stringify(request.mapping));
    else if (request.mappingCode) form.append('mapping_code', request.mappingCode);
    form.append('mode', request.mode);
    if (request.slice && Object.keys(request.slice).length) form.append('slice', JSON.stringify(request.slice));
    form.append('skip_bad_rows', request.skipBadRows ? 'true' : 'false');
    form.append('validate_only', request.validateOnly ? 'true' : 'false');
    return postForm<ImportBatch>(`${cubeUrl(model, cube)}/imports/`, form);
  },
  history: (model: string, cube: string, options?: RequestOptions) =>
    api.get<ImportBatch[]>(`${cubeUrl(model, cube)}/imports/`, options),
  undo: (model: string, batch: string) =>
    api.post<{ batch: string; undo_batch: string; restored: number }>(
      `/api/v1/models/${enc(model)}/imports/${enc(batch)}/undo`,
    ),
  mappings: (model: string, cube: string, options?: RequestOptions) =>
    api.get<SavedMapping[]>(`${cubeUrl(model, cube)}/mappings/`, options),
  saveMapping: (model: string, cube: string, mapping: SavedMapping) =>
    api.post<SavedMapping>(`${cubeUrl(model, cube)}/mappings/`, mapping),
  exportJob: (model: string, cube: string, query: GridQuery, format: ExportFormat) =>
    api.post<Job>(`${cubeUrl(model, cube)}/exports/`, { query, format }),
  uploadTemplate: (model: string, cube: string, file: File): Promise<Job> => {
    const form = new FormData();
    form.append('file', file, file.name);
    return postForm<Job>(`${cubeUrl(model, cube)}/templates/`, form);
  },
  /** The text of a file a job produced (e.g. errors.csv). */
  jobFileText: async (jobId: string, name: string): Promise<string> => {
    const response = await fetch(`/api/v1/jobs/${enc(jobId)}/files/${enc(name)}`, { credentials: 'same-origin' });
    if (!response.ok) {
      const text = await response.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      throw toApiError(response.status, body);
    }
    return response.text();
  },
};
