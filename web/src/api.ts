/**
 * The HTTP client of one <charter-app>: its own api-base, tenant and
 * credentials (no globals). Bearer tokens from the host (`token` or
 * `getToken`), or the browser session's cookie with its CSRF token.
 */
import type { FieldProblem } from './errors.ts';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
    readonly requestId: string | null = null,
  ) {
    super(detail || `HTTP ${status}`);
    this.name = 'ApiProblem';
  }
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

/** The network failed (offline, DNS, connection refused): status 0. */
export class NetworkError extends ApiProblem {
  constructor(message: string) {
    super(0, 'network', message);
    this.name = 'NetworkError';
  }
}

export interface Credentials {
  /** A bearer token set by the host (API key `chk_…` or OIDC access token). */
  token: string | null;
  /** A host callback returning a fresh token. */
  getToken: (() => Promise<string | null | undefined> | string | null | undefined) | null;
}

export interface ApiClientOptions {
  base: string;
  credentials: () => Credentials;
  /** Called on 401 (the element fires `charter:auth-required`). */
  onAuthRequired: () => void;
  /** Resolves with a new token the host set after `onAuthRequired`, or null. */
  waitForToken?: () => Promise<string | null>;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class ApiClient {
  readonly base: string;
  /** Browser-session mode: cookies and X-CSRF-Token (set by `detectSession`). */
  csrfToken: string | null = null;
  private cachedToken: string | null = null;
  private readonly opts: ApiClientOptions;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ApiClientOptions) {
    this.opts = opts;
    this.base = opts.base.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get sessionMode(): boolean {
    return this.csrfToken !== null;
  }

  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Forget the cached token (the host changed it). */
  resetToken(): void {
    this.cachedToken = null;
  }

  private hasHostCredentials(): boolean {
    const c = this.opts.credentials();
    return !!c.token || !!c.getToken;
  }

  private async token(fresh: boolean): Promise<string | null> {
    const c = this.opts.credentials();
    if (c.getToken && (fresh || !this.cachedToken)) {
      const t = await c.getToken();
      this.cachedToken = t || null;
      return this.cachedToken;
    }
    if (c.getToken) return this.cachedToken;
    return c.token || null;
  }

  /** With no token from the host: is there a browser session (`/api/v1/me` with a CSRF token)? */
  async detectSession(): Promise<boolean> {
    if (this.hasHostCredentials()) return false;
    try {
      const res = await this.fetchImpl(this.url('/api/v1/me'), {
        credentials: 'include',
        headers: { Accept: 'application/json' },
      });
      if (res.status !== 200) return false;
      const me = (await res.json()) as { csrf_token?: string | null };
      if (me.csrf_token) {
        this.csrfToken = me.csrf_token;
        return true;
      }
    } catch {
      // no session
    }
    return false;
  }

  private async send(method: string, path: string, o: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...o.headers };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const write = method !== 'GET' && method !== 'HEAD';
    if (this.sessionMode && write && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    try {
      return await this.fetchImpl(this.url(path, o.query), {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        credentials: token ? 'omit' : 'include',
        signal: o.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new NetworkError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Sends the request; on 401 asks the host (or the user) for a fresh token and retries once. */
  private async exchange(method: string, path: string, o: RequestOptions): Promise<Response> {
    let token = this.sessionMode ? null : await this.token(false);
    let res = await this.send(method, path, o, token);
    if (res.status === 401) {
      // Ask the host (or the user) to sign in again, then retry once.
      this.cachedToken = null;
      this.opts.onAuthRequired();
      const c = this.opts.credentials();
      let fresh: string | null = null;
      if (c.getToken) fresh = await this.token(true);
      else if (this.opts.waitForToken) fresh = await this.opts.waitForToken();
      if (fresh && fresh !== token) {
        token = fresh;
        res = await this.send(method, path, o, token);
      }
    }
    return res;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return this.read<T>(await this.exchange(method, path, o));
  }

  /**
   * A file the API makes (a CSV export, BODS statements) as a Blob, with the
   * same credentials and 401 retry as every other request; a refusal is an
   * `ApiProblem` as usual. `accept`: the `Accept` header (the problem type
   * is always accepted too).
   */
  async getBlob(path: string, query?: Query, accept = '*/*'): Promise<Blob> {
    const res = await this.exchange('GET', path, { query, headers: { Accept: `${accept}, application/problem+json` } });
    if (!res.ok) throw await this.problem(res);
    return res.blob();
  }

  private async read<T>(res: Response): Promise<T> {
    if (res.status === 204) return undefined as T;
    if (!res.ok) throw await this.problem(res);
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }

  /** A refusal as an `ApiProblem` (from its problem document when there is one). */
  private async problem(res: Response): Promise<ApiProblem> {
    let problem: Partial<{ code: string; detail: string; title: string; errors: FieldProblem[]; request_id: string }> = {};
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        problem = await res.json();
      } catch {
        problem = {};
      }
    }
    return new ApiProblem(
      res.status,
      problem.code ?? `http_${res.status}`,
      problem.detail ?? problem.title ?? res.statusText ?? `HTTP ${res.status}`,
      Array.isArray(problem.errors) ? problem.errors : [],
      problem.request_id ?? null,
    );
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, { body, headers });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  patch<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('PATCH', path, { body, headers });
  }
}

/** A random key for `Idempotency-Key` (and draft ids). */
export function randomKey(): string {
  const c = globalThis.crypto;
  if (c && 'randomUUID' in c) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
