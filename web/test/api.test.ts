import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiProblem, NetworkError } from '../src/api.ts';

function json(status: number, body: unknown, type = 'application/json') {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

describe('ApiClient', () => {
  it('sends the bearer token and, on 401, asks the host and retries once with a fresh token', async () => {
    const tokens = ['expired', 'fresh'];
    const seen: string[] = [];
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).Authorization;
      seen.push(auth);
      return auth === 'Bearer fresh' ? json(200, { ok: true }) : json(401, { code: 'unauthorized', detail: 'expired' }, 'application/problem+json');
    });
    const onAuthRequired = vi.fn();
    const api = new ApiClient({
      base: 'https://charter.example/',
      credentials: () => ({ token: null, getToken: async () => tokens.shift() ?? null }),
      onAuthRequired,
      fetch: fetchMock as unknown as typeof fetch,
    });
    await expect(api.get('/api/v1/me')).resolves.toEqual({ ok: true });
    expect(seen).toEqual(['Bearer expired', 'Bearer fresh']);
    expect(onAuthRequired).toHaveBeenCalledTimes(1);
    // the fresh token is kept for the next request
    await api.get('/api/v1/me');
    expect(seen[2]).toBe('Bearer fresh');
  });

  it('retries only once: a second 401 is an error', async () => {
    const fetchMock = vi.fn(async () => json(401, { code: 'unauthorized', detail: 'no' }));
    let n = 0;
    const api = new ApiClient({
      base: 'x',
      credentials: () => ({ token: null, getToken: () => `t${n++}` }),
      onAuthRequired: () => undefined,
      fetch: fetchMock as unknown as typeof fetch,
    });
    await expect(api.get('/y')).rejects.toMatchObject({ status: 401 });
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('with a token property, waits for the host to set a new one', async () => {
    let token = 'old';
    const fetchMock = vi.fn(async (_u: RequestInfo | URL, init?: RequestInit) =>
      (init?.headers as Record<string, string>).Authorization === 'Bearer new' ? json(200, [1]) : json(401, {}),
    );
    const api = new ApiClient({
      base: 'x',
      credentials: () => ({ token, getToken: null }),
      onAuthRequired: () => undefined,
      waitForToken: async () => { token = 'new'; return token; },
      fetch: fetchMock as unknown as typeof fetch,
    });
    await expect(api.get('/y')).resolves.toEqual([1]);
  });

  it('turns problem documents into ApiProblem with field errors', async () => {
    const problem = { code: 'validation_failed', detail: 'legal_form: …', status: 422, errors: [{ field: 'legal_form', rule: 'jurisdiction', message: 'm' }], request_id: 'r1' };
    const api = new ApiClient({ base: 'x', credentials: () => ({ token: 't', getToken: null }), onAuthRequired: () => undefined,
      fetch: (async () => json(422, problem, 'application/problem+json')) as unknown as typeof fetch });
    const e = (await api.post("/z", {}).catch((x: unknown) => x)) as ApiProblem;
    expect(e).toBeInstanceOf(ApiProblem);
    expect(e.errors).toEqual(problem.errors);
    expect(e.requestId).toBe('r1');
    expect(e.retryable).toBe(false);
  });

  it('reports network failures as retryable', async () => {
    const api = new ApiClient({ base: 'x', credentials: () => ({ token: 't', getToken: null }), onAuthRequired: () => undefined,
      fetch: (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch });
    const e = (await api.get("/z").catch((x: unknown) => x)) as ApiProblem;
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.retryable).toBe(true);
  });

  it('uses the browser session with X-CSRF-Token on writes when there is no token', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const fetchMock = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ url: String(url), init });
      return String(url).endsWith('/api/v1/me') ? json(200, { kind: 'user', csrf_token: 'c1', platform_roles: [], tenants: [] }) : json(201, {});
    });
    const api = new ApiClient({ base: 'https://c.example', credentials: () => ({ token: null, getToken: null }), onAuthRequired: () => undefined, fetch: fetchMock as unknown as typeof fetch });
    expect(await api.detectSession()).toBe(true);
    await api.post('/api/v1/tenants/acme/persons', { given_name: 'J' });
    const last = calls[calls.length - 1].init!;
    expect(last.credentials).toBe('include');
    expect((last.headers as Record<string, string>)['X-CSRF-Token']).toBe('c1');
    expect((last.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  describe('getBlob (exports: CSV, BODS)', () => {
    it('fetches a file with the bearer token and the Accept asked for, as a Blob', async () => {
      const seen: { url: string; headers: Record<string, string>; credentials?: RequestCredentials }[] = [];
      const fetchMock = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
        seen.push({ url: String(url), headers: init?.headers as Record<string, string>, credentials: init?.credentials });
        return new Response('holder_type,holder_id\nperson,p1\n', { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' } });
      });
      const api = new ApiClient({ base: 'https://c.example', credentials: () => ({ token: 'chk_1', getToken: null }), onAuthRequired: () => undefined,
        fetch: fetchMock as unknown as typeof fetch });
      const blob = await api.getBlob('/api/v1/tenants/acme/entities/e1/register.csv', { as_of: '2025-01-01', known_at: '' }, 'text/csv');
      expect(blob).toBeInstanceOf(Blob);
      expect(blob.type).toMatch(/^text\/csv/);
      expect(await blob.text()).toBe('holder_type,holder_id\nperson,p1\n');
      expect(seen[0].url).toBe('https://c.example/api/v1/tenants/acme/entities/e1/register.csv?as_of=2025-01-01');
      expect(seen[0].headers.Authorization).toBe('Bearer chk_1');
      expect(seen[0].headers.Accept).toBe('text/csv, application/problem+json');
      expect(seen[0].credentials).toBe('omit');
    });

    it('keeps JSON as it came (BODS statements are saved byte for byte)', async () => {
      const body = '[{"recordType":"person"}]';
      const api = new ApiClient({ base: 'x', credentials: () => ({ token: 't', getToken: null }), onAuthRequired: () => undefined,
        fetch: (async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch });
      expect(await (await api.getBlob('/bods', undefined, 'application/json')).text()).toBe(body);
    });

    it('turns a refusal into an ApiProblem, and on 401 asks the host and retries once', async () => {
      const tokens = ['expired', 'fresh'];
      const onAuthRequired = vi.fn();
      const fetchMock = vi.fn(async (_u: RequestInfo | URL, init?: RequestInit) => {
        const auth = (init?.headers as Record<string, string>).Authorization;
        if (auth === 'Bearer expired') return json(401, { code: 'invalid_credentials', detail: 'expired' }, 'application/problem+json');
        return json(403, { code: 'forbidden', detail: 'your role does not allow this action', request_id: 'r9' }, 'application/problem+json');
      });
      const api = new ApiClient({ base: 'x', credentials: () => ({ token: null, getToken: async () => tokens.shift() ?? null }), onAuthRequired,
        fetch: fetchMock as unknown as typeof fetch });
      const e = (await api.getBlob('/ledger.csv').catch((x: unknown) => x)) as ApiProblem;
      expect(e).toBeInstanceOf(ApiProblem);
      expect(e.status).toBe(403);
      expect(e.detail).toBe('your role does not allow this action');
      expect(e.requestId).toBe('r9');
      expect(onAuthRequired).toHaveBeenCalledTimes(1);
      expect(fetchMock).toHaveBeenCalledTimes(2);
    });

    it('reports a network failure as a NetworkError', async () => {
      const api = new ApiClient({ base: 'x', credentials: () => ({ token: 't', getToken: null }), onAuthRequired: () => undefined,
        fetch: (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch });
      await expect(api.getBlob('/ledger.csv')).rejects.toBeInstanceOf(NetworkError);
    });
  });
});
