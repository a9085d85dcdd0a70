// Fetch wrapper for the OpenCorpo JSON API: same-origin cookies, Django CSRF and typed errors.

export type FieldErrors = Record<string, string[]>;

/** An API failure, carrying the back end's error code and user-facing message. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields?: FieldErrors;
  readonly requestId?: string;
  /** The whole error object, for endpoints that add details (e.g. the `conflicts` of a stale write). */
  readonly details: Record<string, unknown>;

  constructor(init: {
    code: string;
    message: string;
    status: number;
    fields?: FieldErrors;
    requestId?: string;
    details?: Record<string, unknown>;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.code = init.code;
    this.status = init.status;
    this.fields = init.fields;
    this.requestId = init.requestId;
    this.details = init.details ?? {};
  }
}

export interface RequestOptions {
  /** Non-2xx statuses whose JSON body should be returned instead of thrown (e.g. 503 from /readyz). */
  acceptStatus?: number[];
  signal?: AbortSignal;
}

const CSRF_URL = '/api/v1/auth/csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
let csrfToken: string | null = null;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns an error response body of shape {"error": {code, message, fields?, request_id?}} into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const err = isRecord(body) && isRecord(body.error) ? body.error : null;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError({
      code: err.code,
      message: err.message,
      status,
      fields: isRecord(err.fields) ? (err.fields as FieldErrors) : undefined,
      requestId: typeof err.request_id === 'string' ? err.request_id : undefined,
      details: err,
    });
  }
  return new ApiError({
    code: `http_${status}`,
    message: `The server returned an unexpected response (HTTP ${status}). Try again in a moment.`,
    status,
  });
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

async function send(method: string, url: string, headers: Record<string, string>, body?: string, signal?: AbortSignal) {
  try {
    return await fetch(url, { method, headers, body, credentials: 'same-origin', signal });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({
      code: 'network_error',
      message: 'Could not reach the server. Check your connection and try again.',
      status: 0,
    });
  }
}

/** Fetches a fresh CSRF token (also sets the csrftoken cookie). Call again after login: Django rotates it. */
export async function refreshCsrfToken(): Promise<string> {
  const response = await send('GET', CSRF_URL, { Accept: 'application/json' });
  const body = await readJson(response);
  if (!response.ok) throw toApiError(response.status, body);
  if (!isRecord(body) || typeof body.csrf_token !== 'string') {
    throw new ApiError({ code: 'bad_csrf_response', message: 'Could not start a secure session. Reload the page.', status: response.status });
  }
  csrfToken = body.csrf_token;
  return csrfToken;
}

/** The cached CSRF token, fetched once if there is none yet (pages call it early, before their first POST). */
export async function ensureCsrfToken(): Promise<string> {
  return csrfToken ?? refreshCsrfToken();
}

/** Forgets the cached CSRF token (on sign-out, and between tests). */
export function resetCsrfToken(): void {
  csrfToken = null;
}

function isCsrfFailure(status: number, body: unknown): boolean {
  return status === 403 && isRecord(body) && isRecord(body.error) && body.error.code === 'csrf_failed';
}

async function request<T>(method: string, url: string, data?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const body = data === undefined ? undefined : JSON.stringify(data);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const unsafe = !SAFE_METHODS.has(method);
  if (unsafe) headers['X-CSRFToken'] = csrfToken ?? (await refreshCsrfToken());

  let response = await send(method, url, headers, body, options.signal);
  let parsed = await readJson(response);
  if (unsafe && isCsrfFailure(response.status, parsed)) {
    // The token went stale (e.g. rotated by a sign-in in another tab): fetch a new one and retry once.
    headers['X-CSRFToken'] = await refreshCsrfToken();
    response = await send(method, url, headers, body, options.signal);
    parsed = await readJson(response);
  }
  if (!response.ok && !options.acceptStatus?.includes(response.status)) throw toApiError(response.status, parsed);
  return parsed as T;
}

export const api = {
  get: <T>(url: string, options?: RequestOptions) => request<T>('GET', url, undefined, options),
  post: <T>(url: string, data?: unknown, options?: RequestOptions) => request<T>('POST', url, data ?? {}, options),
  put: <T>(url: string, data?: unknown, options?: RequestOptions) => request<T>('PUT', url, data ?? {}, options),
  patch: <T>(url: string, data?: unknown, options?: RequestOptions) => request<T>('PATCH', url, data ?? {}, options),
  delete: <T>(url: string, options?: RequestOptions) => request<T>('DELETE', url, undefined, options),
};
