// The planning grid's calls to the API, typed through the generated schema.
import { api, type RequestOptions } from '../../api/client';
import { pathOf, typedGet, typedPost } from '../../api/typed';
import type {
  CellsWritten,
  CellWrite,
  Change,
  Comment,
  Cube,
  Dimension,
  Explanation,
  GridAnswer,
  GridQuery,
  Member,
  PlanningModel,
  SpreadRequest,
  SpreadResult,
} from './types';

/** The API documents these answers as AnyObject; types.ts spells out what the back end sends. */
function answerAs<T>(value: unknown): T {
  return value as T;
}

export interface CubeRef {
  model: string;
  cube: string;
}

export const gridApi = {
  models: (options?: RequestOptions): Promise<PlanningModel[]> => typedGet('/api/v1/models/', {}, options),
  model: (model: string, options?: RequestOptions): Promise<PlanningModel> =>
    typedGet('/api/v1/models/{model}', { model }, options),
  cubes: (model: string, options?: RequestOptions): Promise<Cube[]> =>
    typedGet('/api/v1/models/{model}/cubes/', { model }, options),
  cube: ({ model, cube }: CubeRef, options?: RequestOptions): Promise<Cube> =>
    typedGet('/api/v1/models/{model}/cubes/{cube}', { model, cube }, options),
  dimensions: (model: string, options?: RequestOptions): Promise<Dimension[]> =>
    typedGet('/api/v1/models/{model}/dimensions/', { model }, options),
  members: (model: string, dimension: string, options?: RequestOptions): Promise<Member[]> =>
    typedGet('/api/v1/models/{model}/dimensions/{dimension}/members/', { model, dimension }, options),

  query: async (ref: CubeRef, query: GridQuery, options?: RequestOptions): Promise<GridAnswer> =>
    answerAs<GridAnswer>(await typedPost('/api/v1/models/{model}/cubes/{cube}/query', ref, query, options)),
  writeCells: async (ref: CubeRef, cells: CellWrite[]): Promise<CellsWritten> =>
    answerAs<CellsWritten>(await typedPost('/api/v1/models/{model}/cubes/{cube}/cells', ref, { cells })),
  spread: async (ref: CubeRef, request: SpreadRequest): Promise<SpreadResult> =>
    answerAs<SpreadResult>(await typedPost('/api/v1/models/{model}/cubes/{cube}/spread', ref, request)),
  explain: async (ref: CubeRef, coordinate: Record<string, string>, options?: RequestOptions): Promise<Explanation> =>
    answerAs<Explanation>(await typedPost('/api/v1/models/{model}/cubes/{cube}/explain', ref, { coordinate }, options)),
  history: async (ref: CubeRef, coordinate: Record<string, string>, options?: RequestOptions): Promise<Change[]> =>
    answerAs<{ changes: Change[] }>(
      await typedPost('/api/v1/models/{model}/cubes/{cube}/history', ref, { coordinate }, options),
    ).changes,
  /** The thread of one cell (every dimension named), oldest first. */
  comments: (ref: CubeRef, coordinate: Record<string, string>, options?: RequestOptions): Promise<Comment[]> =>
    api.get(
      `${pathOf('/api/v1/models/{model}/cubes/{cube}/comments/', { ...ref })}?coordinate=${encodeURIComponent(JSON.stringify(coordinate))}`,
      options,
    ),
  addComment: (ref: CubeRef, coordinate: Record<string, string>, text: string): Promise<Comment> =>
    typedPost('/api/v1/models/{model}/cubes/{cube}/comments/', ref, { coordinate, text }),
};
