// Calls of the Versions page: list and create versions, copy, branch, diff and merge.
import { api, type RequestOptions } from '../../api/client';
import { typedGet, typedPost, type Schemas } from '../../api/typed';
import type { DiffAnswer } from './diff';
import type { ChoiceValue } from './merge';

export type Version = Schemas['Member'];
export type VersionKind = Schemas['VersionKindEnum'];

const enc = encodeURIComponent;

export interface CopyAnswer {
  batch: string | null;
  changed: number;
}

export interface MergeAnswer {
  batch: string | null;
  changed: number;
  conflicts_resolved: number;
}

export const versionsApi = {
  list: (model: string, options?: RequestOptions): Promise<Version[]> =>
    typedGet('/api/v1/models/{model}/versions/', { model }, options),
  create: (model: string, body: { code: string; name: string; kind: VersionKind }): Promise<Version> =>
    typedPost('/api/v1/models/{model}/versions/', { model }, body),
  lock: (model: string, code: string, locked: boolean) =>
    api.patch<Version>(`/api/v1/models/${enc(model)}/versions/${enc(code)}`, { locked }),
  copy: (model: string, body: { source: string; target: string; where?: Record<string, string[]> }) =>
    api.post<CopyAnswer>(`/api/v1/models/${enc(model)}/versions/copy`, body),
  branch: (model: string, body: { base: string; code: string; name: string }): Promise<Version> =>
    typedPost('/api/v1/models/{model}/versions/branch', { model }, body),
  diff: (model: string, cube: string, body: { version: string; reference: string; where?: Record<string, string[]> }) =>
    api.post<DiffAnswer>(`/api/v1/models/${enc(model)}/cubes/${enc(cube)}/diff`, body),
  merge: (model: string, branch: string, choices?: Record<string, ChoiceValue>) =>
    api.post<MergeAnswer>(`/api/v1/models/${enc(model)}/versions/${enc(branch)}/merge`, choices ? { choices } : {}),
};
