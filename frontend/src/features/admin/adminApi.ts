// Calls of the Administration area: users, roles per model, member-level grants, API tokens.
import { api, type RequestOptions } from '../../api/client';
import { typedGet, typedPost, type Schemas } from '../../api/typed';
import type { Access, Grant } from './grants';

export type ModelRole = Schemas['ModelRole'];
export type RoleName = Schemas['RoleEnum'];
export type Token = Schemas['Token'];
export type NewToken = Token & { key: string };

export const ROLES: RoleName[] = ['administrator', 'modeller', 'planner', 'approver', 'viewer'];

const enc = encodeURIComponent;

export const adminApi = {
  roles: (model: string, options?: RequestOptions): Promise<ModelRole[]> =>
    typedGet('/api/v1/models/{model}/roles/', { model }, options),
  giveRole: (model: string, body: { role: RoleName; user?: string | null; group?: string | null }): Promise<ModelRole> =>
    typedPost('/api/v1/models/{model}/roles/', { model }, body),
  takeRole: (model: string, id: number) => api.delete<null>(`/api/v1/models/${enc(model)}/roles/${id}`),

  grants: (model: string, options?: RequestOptions): Promise<Grant[]> =>
    typedGet('/api/v1/models/{model}/grants/', { model }, options),
  setGrant: (
    model: string,
    body: { dimension: string; member: string; access: Access; user?: string | null; group?: string | null },
  ): Promise<Grant> => typedPost('/api/v1/models/{model}/grants/', { model }, body),
  deleteGrant: (model: string, id: number) => api.delete<null>(`/api/v1/models/${enc(model)}/grants/${id}`),

  tokens: (options?: RequestOptions): Promise<Token[]> => typedGet('/api/v1/tokens/', {}, options),
  createToken: (body: { name: string; role: RoleName; model?: string | null }) => api.post<NewToken>('/api/v1/tokens/', body),
  revokeToken: (id: number) => api.delete<null>(`/api/v1/tokens/${id}`),
};

export type UserRow = Schemas['UserAdmin'];
type UserChange = Schemas['PatchedUserChangeRequest'];

export const usersApi = {
  list: (signal?: AbortSignal): Promise<UserRow[]> => typedGet('/api/v1/users/', {}, { signal }),
  create: (body: Schemas['UserAdminRequest']): Promise<UserRow> => typedPost('/api/v1/users/', {}, body),
  change: (username: string, body: UserChange) =>
    api.patch<UserRow>(`/api/v1/users/${enc(username)}`, body),
};
