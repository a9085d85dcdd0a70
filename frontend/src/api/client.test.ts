// Unit tests for the API client: error mapping, CSRF header and credentials.
import { afterEach, describe, expect, it } from 'vitest';
import { api, ApiError, resetCsrfToken, toApiError } from './client';
import { stubFetch } from '../test/fetchStub';

afterEach(() => resetCsrfToken());

describe('toApiError', () => {
  it('maps the error JSON shape to code, message, status, fields and request id', () => {
    const err = toApiError(400, {
      error: { code: 'invalid', message: 'Some fields are not valid.', fields: { name: ['Required.'] }, request_id: 'r-1' },
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('invalid');
    expect(err.message).toBe('Some fields are not valid.');
    expect(err.status).toBe(400);
    expect(err.fields).toEqual({ name: ['Required.'] });
    expect(err.requestId).toBe('r-1');
  });

  it('falls back to a generic message when the body is not the error shape', () => {
    const err = toApiError(502, null);
    expect(err.code).toBe('http_502');
    expect(err.message).toMatch(/HTTP 502/);
  });
});

describe('api', () => {
  it('throws an ApiError carrying the server message on an error response', async () => {
    stubFetch({
      'GET /api/v1/auth/me': { status: 403, body: { error: { code: 'not_authenticated', message: 'You are not signed in.' } } },
    });
    const failure = api.get('/api/v1/auth/me');
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: 'not_authenticated', message: 'You are not signed in.', status: 403 });
  });

  it('fetches a CSRF token and sends it as X-CSRFToken on POST, with same-origin credentials', async () => {
    const fetchMock = stubFetch({
      'GET /api/v1/auth/csrf': { body: { csrf_token: 'tok-123' } },
      'POST /api/v1/things': { status: 201, body: { id: 7 } },
    });
    await expect(api.post('/api/v1/things', { name: 'x' })).resolves.toEqual({ id: 7 });

    const [url, init] = fetchMock.mock.calls[1]!;
    expect(url).toBe('/api/v1/things');
    const headers = init?.headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBe('tok-123');
    expect(headers['Content-Type']).toBe('application/json');
    expect(init?.credentials).toBe('same-origin');
    expect(init?.body).toBe(JSON.stringify({ name: 'x' }));

    // The token is cached: a second POST does not fetch it again.
    await api.post('/api/v1/things', { name: 'y' });
    expect(fetchMock.mock.calls.filter(([u]) => u === '/api/v1/auth/csrf')).toHaveLength(1);
  });

  it('does not send a CSRF header on GET', async () => {
    const fetchMock = stubFetch({ 'GET /api/v1/auth/me': { body: { user: { username: 'ann' } } } });
    await api.get('/api/v1/auth/me');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const headers = fetchMock.mock.calls[0]![1]?.headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBeUndefined();
  });

  it('refreshes a stale CSRF token once when the server answers csrf_failed', async () => {
    let tokens = 0;
    const fetchMock = stubFetch({
      'GET /api/v1/auth/csrf': () => ({ body: { csrf_token: `tok-${++tokens}` } }),
      'POST /api/v1/things': (init) =>
        (init?.headers as Record<string, string>)['X-CSRFToken'] === 'tok-2'
          ? { body: { ok: true } }
          : { status: 403, body: { error: { code: 'csrf_failed', message: 'The CSRF token is missing or wrong.' } } },
    });
    await expect(api.post('/api/v1/things')).resolves.toEqual({ ok: true });
    expect(fetchMock).toHaveBeenCalledTimes(4);
  });

  it('returns the body of an accepted non-2xx status instead of throwing', async () => {
    stubFetch({ 'GET /readyz': { status: 503, body: { status: 'error', checks: {} } } });
    await expect(api.get('/readyz', { acceptStatus: [503] })).resolves.toEqual({ status: 'error', checks: {} });
  });

  it('maps a network failure to a network_error ApiError', async () => {
    stubFetch({});
    await expect(api.get('/api/v1/unknown')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });
});
