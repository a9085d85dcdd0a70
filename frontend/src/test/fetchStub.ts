// Test helper: a stubbed global fetch that answers by "METHOD path" and records every call.
import { vi } from 'vitest';

export interface StubResponse {
  status?: number;
  body?: unknown;
}

export type Routes = Record<string, StubResponse | ((init: RequestInit | undefined) => StubResponse)>;

export function stubFetch(routes: Routes) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const key = `${method} ${String(input)}`;
    const route = routes[key];
    if (!route) throw new Error(`Unexpected fetch: ${key}`);
    const { status = 200, body } = typeof route === 'function' ? route(init) : route;
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(text || null, { status, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}
