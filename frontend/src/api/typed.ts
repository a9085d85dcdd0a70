// Typed calls over the API client: paths, path parameters and JSON request bodies come from schema.d.ts,
// which `npm run api` generates from docs/api/openapi.yaml.
import type { components, paths } from './schema';
import { api, type RequestOptions } from './client';

export type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The paths that answer the given method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined | never ? never : P;
}[keyof paths];

export type PathParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer Params } } ? Params : Record<string, never>;

export type JsonBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never;

type Answer<R> = R extends { content: { 'application/json': infer Body } } ? Body : unknown;
export type JsonResponse<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer Responses }
    ? Responses extends { 200: infer Ok }
      ? Answer<Ok>
      : Responses extends { 201: infer Created }
        ? Answer<Created>
        : unknown
    : unknown;

/** Fills `{name}` placeholders of an API path, encoding each value. */
export function pathOf(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`Missing path parameter ${name} for ${template}.`);
    return encodeURIComponent(value);
  });
}

export function typedGet<P extends PathsWith<'get'>>(
  path: P,
  params: PathParams<P, 'get'>,
  options?: RequestOptions,
): Promise<JsonResponse<P, 'get'>> {
  return api.get(pathOf(path, params as Record<string, string>), options);
}

export function typedPost<P extends PathsWith<'post'>>(
  path: P,
  params: PathParams<P, 'post'>,
  body: JsonBody<P, 'post'>,
  options?: RequestOptions,
): Promise<JsonResponse<P, 'post'>> {
  return api.post(pathOf(path, params as Record<string, string>), body, options);
}
