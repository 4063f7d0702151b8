import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { ApiClient } from './api.ts';
import type { AppContext } from './context.ts';
import { formatFragment, parseFragment, parsePath, type Route } from './router.ts';
import { base } from './styles.ts';
import { strings } from './strings.ts';
import { browserStorage } from './drafts.ts';
import { errorState, loadingState } from './ui.ts';
import type { Me, Page, Tenant } from './types.ts';
import './screens/entity-list.ts';
import './screens/entity-page.ts';

type AuthState = 'checking' | 'ready' | 'signed-out';
const DEMO_KEY = 'charter:standalone-api-key';

/**
 * <charter-app api-base="https://charter.example" tenant="acme" routing="host">
 *
 * Properties: `token` (string), `getToken` (async () => string), `path`.
 * Events (bubbling, composed): charter:navigate {path}, charter:auth-required {},
 * charter:entity-created {id, legal_name, tenant}, charter:tenant-created {slug, name, placement}.
 */
export class CharterApp extends LitElement {
  static override properties = {
    apiBase: { type: String, attribute: 'api-base' },
    tenant: { type: String, reflect: true },
    routing: { type: String },
    standalone: { type: Boolean },
    token: { type: String, noAccessor: true },
    path: { type: String },
    route: { state: true },
    asOf: { state: true },
    auth: { state: true },
    me: { state: true },
    tenants: { state: true },
    authMessage: { state: true },
  };

  static override styles = [
    base,
    css`
      .shell { display: flex; flex-direction: column; min-height: 100%; }
      header.bar { display: flex; flex-wrap: wrap; gap: 0.75em 1.5em; align-items: center; justify-content: space-between;
        padding: 0.6em 1em; border-bottom: 1px solid var(--charter-border-soft, #dde3e9); background: var(--charter-surface, #f4f6f8); }
      header.bar nav ul { display: flex; gap: 0.25em 1em; flex-wrap: wrap; list-style: none; margin: 0; padding: 0; }
      header.bar nav a { font-weight: 600; text-decoration: none; padding: 0.2em 0; }
      header.bar nav a[aria-current='page'] { text-decoration: underline; text-underline-offset: 4px; }
      .brand { font-weight: 700; margin-right: 0.5em; }
      .asof { display: flex; align-items: center; gap: 0.4em; }
      .asof label { margin: 0; }
      main { padding: 1em; }
      .banner { padding: 0.6em 1em; background: #fff4d6; border-bottom: 1px solid #e6c96b; }
      .signin { max-width: 28em; margin: 2em auto; }
    `,
  ];

  declare apiBase: string;
  declare tenant: string;
  declare routing: string;
  declare standalone: boolean;
  declare path: string;
  declare route: Route;
  declare asOf: string;
  declare auth: AuthState;
  declare me: Me | null;
  declare tenants: { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; items: Tenant[] } | null;
  declare authMessage: string;

  private _token: string | null = null;
  private _getToken: (() => Promise<string | null | undefined> | string | null | undefined) | null = null;
  private startGen = 0;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private tokenWaiters: ((t: string | null) => void)[] = [];
  private client: ApiClient | null = null;
  private clientBase = '';
  private readonly onHashChange = () => this.readFragment();

  constructor() {
    super();
    this.routing = 'host';
    this.standalone = false;
    this.route = { name: 'entities' };
    this.asOf = '';
    this.auth = 'checking';
    this.me = null;
    this.tenants = null;
    this.authMessage = '';
    this.tenant = '';
    this.apiBase = '';
  }

  get token(): string | null {
    return this._token;
  }
  set token(value: string | null) {
    const old = this._token;
    this._token = value || null;
    this.client?.resetToken();
    if (this._token) {
      const waiters = this.tokenWaiters.splice(0);
      waiters.forEach((w) => w(this._token));
      if (this.auth !== 'ready') this.scheduleStart();
    }
    this.requestUpdate('token', old);
  }

  /** A host callback returning a fresh token; called when a token is needed and after a 401. */
  get getToken() {
    return this._getToken;
  }
  set getToken(fn: (() => Promise<string | null | undefined> | string | null | undefined) | null) {
    this._getToken = typeof fn === 'function' ? fn : null;
    this.client?.resetToken();
    if (this._getToken && this.auth !== 'ready') this.scheduleStart();
  }

  /** Starts after the current task, so a host script that sets `getToken` right after mounting is seen. */
  private scheduleStart(): void {
    if (!this.isConnected) return;
    clearTimeout(this.startTimer);
    this.startTimer = setTimeout(() => void this.start(), 0);
  }

  /** The api-base, defaulting to the page's origin. */
  get resolvedBase(): string {
    return (this.apiBase || globalThis.location?.origin || '').replace(/\/+$/, '');
  }

  get api(): ApiClient {
    const b = this.resolvedBase;
    if (!this.client || this.clientBase !== b) {
      this.clientBase = b;
      this.client = new ApiClient({
        base: b,
        credentials: () => ({ token: this._token ?? this.standaloneKey(), getToken: this.getToken }),
        onAuthRequired: () => this.authRequired(),
        waitForToken: () => this.waitForToken(),
      });
    }
    return this.client;
  }

  private standaloneKey(): string | null {
    return this.standalone ? (browserStorage('session')?.getItem(DEMO_KEY) ?? null) : null;
  }

  private waitForToken(timeoutMs = 120_000): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.tokenWaiters = this.tokenWaiters.filter((w) => w !== done);
        resolve(null);
      }, timeoutMs);
      const done = (t: string | null) => {
        clearTimeout(timer);
        resolve(t);
      };
      this.tokenWaiters.push(done);
    });
  }

  private authRequired(): void {
    this.emit('charter:auth-required', {});
    if (this.standalone && !this.getToken) {
      browserStorage('session')?.removeItem(DEMO_KEY);
      this.authMessage = strings.authRequired;
      if (!this._token) this.auth = 'signed-out';
    }
  }

  emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.routing === 'history') {
      globalThis.addEventListener('hashchange', this.onHashChange);
      this.readFragment();
    } else if (this.path) {
      this.route = parsePath(this.path);
    }
    this.scheduleStart();
  }

  override disconnectedCallback(): void {
    globalThis.removeEventListener('hashchange', this.onHashChange);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('path') && this.path && this.routing !== 'history') {
      const r = parsePath(this.path);
      if (JSON.stringify(r) !== JSON.stringify(this.route)) this.route = r;
    }
    if (changed.has('apiBase') && changed.get('apiBase') !== undefined) this.scheduleStart();
  }

  private readFragment(): void {
    const { tenant, path } = parseFragment(globalThis.location?.hash ?? '');
    if (tenant) this.tenant = tenant;
    this.route = parsePath(path);
  }

  private async start(): Promise<void> {
    const gen = ++this.startGen;
    this.auth = 'checking';
    const api = this.api;
    const hasToken = !!this._token || !!this.getToken || !!this.standaloneKey();
    if (!hasToken && !(await api.detectSession())) {
      if (gen !== this.startGen) return;
      this.auth = 'signed-out';
      if (!this.standalone) this.emit('charter:auth-required', {});
      return;
    }
    if (gen !== this.startGen) return;
    this.auth = 'ready';
    this.authMessage = '';
    try {
      const me = await api.get<Me>('/api/v1/me');
      if (gen === this.startGen) this.me = me;
    } catch {
      if (gen === this.startGen) this.me = null;
    }
    if (!this.tenant && this.route.name !== 'onboard') void this.loadTenants();
  }

  private async loadTenants(): Promise<void> {
    this.tenants = { state: 'loading' };
    try {
      const page = await this.api.get<Page<Tenant>>('/api/v1/tenants', { limit: 200 });
      this.tenants = { state: 'ok', items: page.items };
    } catch (error) {
      this.tenants = { state: 'error', error };
    }
  }

  navigate(path: string): void {
    const route = parsePath(path);
    this.route = route;
    this.path = path;
    if (this.routing === 'history') {
      const frag = formatFragment(this.tenant || null, path);
      if (globalThis.location && globalThis.location.hash !== frag) globalThis.history.pushState(null, '', frag);
    }
    this.emit('charter:navigate', { path, tenant: this.tenant });
  }

  openTenant(slug: string): void {
    this.tenant = slug;
    this.navigate('/entities');
  }

  href(path: string): string {
    return formatFragment(this.tenant || null, path);
  }

  private get ctx(): AppContext {
    return {
      api: this.api,
      apiBase: this.resolvedBase,
      tenant: this.tenant,
      asOf: this.asOf,
      navigate: (p) => this.navigate(p),
      emit: (n, d) => this.emit(n, d),
      href: (p) => this.href(p),
      openTenant: (s) => this.openTenant(s),
      platformRoles: this.me?.platform_roles ?? [],
    };
  }

  private link(path: string, label: string, current: boolean) {
    return html`<a href=${this.href(path)} aria-current=${current ? 'page' : 'false'}
      @click=${(e: Event) => { e.preventDefault(); this.navigate(path); }}>${label}</a>`;
  }

  private useKey(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const input = form.querySelector('input') as HTMLInputElement;
    const key = input.value.trim();
    if (!key) return;
    browserStorage('session')?.setItem(DEMO_KEY, key);
    this.api.resetToken();
    this.scheduleStart();
  }

  private signOut(): void {
    browserStorage('session')?.removeItem(DEMO_KEY);
    this.auth = 'signed-out';
  }

  private renderSignIn() {
    if (!this.standalone) {
      return html`<div class="state error" role="alert"><p>${this.authMessage || strings.authRequired}</p>
        <button type="button" @click=${() => this.scheduleStart()}>${strings.retry}</button></div>`;
    }
    const returnTo = encodeURIComponent('/' + (globalThis.location?.hash ?? ''));
    return html`<section class="signin card" aria-labelledby="signin-h">
      <h1 id="signin-h">${strings.signInTitle}</h1>
      ${this.authMessage ? html`<p role="alert" class="error-text">${this.authMessage}</p>` : nothing}
      <p><a href="${this.resolvedBase}/auth/login?return_to=${returnTo}">${strings.signInWithProvider}</a></p>
      <form @submit=${this.useKey}>
        <h2>${strings.orApiKey}</h2>
        <div class="field"><label for="apikey">${strings.apiKeyLabel}</label>
          <input id="apikey" name="apikey" type="password" autocomplete="off" size="40" /></div>
        <button class="primary" type="submit">${strings.useApiKey}</button>
      </form>
    </section>`;
  }

  private renderTenants() {
    const t = this.tenants;
    if (!t || t.state === 'loading') return loadingState();
    if (t.state === 'error') return errorState(t.error, () => this.loadTenants());
    return html`<section aria-labelledby="tenants-h"><h1 id="tenants-h">${strings.chooseTenant}</h1>
      ${t.items.length === 0 ? html`<p>${strings.noTenants}</p>` : html`<ul>
        ${t.items.map((x) => html`<li><a href=${formatFragment(x.slug, '/entities')}
          @click=${(e: Event) => { e.preventDefault(); this.openTenant(x.slug); }}>${x.name}</a> <span class="muted">(${x.slug})</span></li>`)}
      </ul>`}</section>`;
  }

  private renderRoute() {
    const r = this.route;
    if (r.name === 'onboard') {
      void import('./wizards/onboarding-wizard.ts');
      return html`<charter-onboarding-wizard .ctx=${this.ctx}></charter-onboarding-wizard>`;
    }
    if (!this.tenant || r.name === 'tenants') return this.renderTenants();
    switch (r.name) {
      case 'entities':
        return html`<charter-entity-list .ctx=${this.ctx}></charter-entity-list>`;
      case 'entity':
        return html`<charter-entity-page .ctx=${this.ctx} .entityId=${r.id} .tab=${r.tab}></charter-entity-page>`;
      case 'new-entity':
        void import('./wizards/entity-wizard.ts');
        return html`<charter-entity-wizard .ctx=${this.ctx}></charter-entity-wizard>`;
      default:
        return html`<p role="alert">${strings.notFound}</p>`;
    }
  }

  override render() {
    if (this.auth === 'checking') return html`<div class="shell"><main>${loadingState()}</main></div>`;
    if (this.auth === 'signed-out') return html`<div class="shell"><main>${this.renderSignIn()}</main></div>`;
    const r = this.route;
    const canOnboard = (this.me?.platform_roles ?? []).some((x) => x === 'platform-admin' || x === 'business-development');
    return html`<div class="shell">
      <header class="bar">
        <nav aria-label=${strings.nav}>
          <ul>
            <li><span class="brand">${strings.appName}${this.tenant ? html` · ${this.tenant}` : nothing}</span></li>
            ${this.tenant ? html`<li>${this.link('/entities', strings.navEntities, r.name === 'entities' || r.name === 'entity')}</li>
            <li>${this.link('/new-entity', strings.navAddEntity, r.name === 'new-entity')}</li>` : nothing}
            ${canOnboard ? html`<li>${this.link('/onboard', strings.navOnboard, r.name === 'onboard')}</li>` : nothing}
          </ul>
        </nav>
        <div class="asof">
          <label for="asof">${strings.asOf}</label>
          <input id="asof" type="date" .value=${this.asOf} aria-describedby="asof-hint"
            @change=${(e: Event) => (this.asOf = (e.target as HTMLInputElement).value)} />
          <span id="asof-hint" class="sr-only">${strings.asOfHint}</span>
          ${this.asOf ? html`<button type="button" @click=${() => (this.asOf = '')}>${strings.asOfToday}</button>` : nothing}
          ${this.standalone && this.standaloneKey() ? html`<button type="button" @click=${this.signOut}>${strings.signOut}</button>` : nothing}
        </div>
      </header>
      ${this.authMessage ? html`<div class="banner" role="alert">${this.authMessage}</div>` : nothing}
      <main>${this.renderRoute()}</main>
    </div>`;
  }
}
