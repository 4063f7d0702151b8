import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath, type AppContext } from '../context.ts';
import { define } from '../define.ts';
import { emptyState, errorState, loadingState, type Load } from '../ui.ts';
import type { Entity, Page } from '../types.ts';

const STATUSES = ['active', 'dormant', 'in_liquidation', 'in_administration', 'dissolved', 'merged', 'struck_off', 'inactive'];

export class EntityList extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    q: { state: true },
    jurisdiction: { state: true },
    status: { state: true },
    data: { state: true },
    more: { state: true },
  };
  static override styles = [base];
  declare ctx: AppContext;
  declare q: string;
  declare jurisdiction: string;
  declare status: string;
  declare data: Load<Page<Entity>>;
  declare more: boolean;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.q = '';
    this.jurisdiction = '';
    this.status = '';
    this.data = { state: 'idle' };
    this.more = false;
  }

  protected override willUpdate(changed: PropertyValues): void {
    const prev = changed.get('ctx') as AppContext | undefined;
    if (changed.has('ctx') && (!prev || prev.tenant !== this.ctx.tenant || prev.asOf !== this.ctx.asOf || prev.api !== this.ctx.api)) {
      void this.load();
    }
  }

  private query(cursor?: string) {
    return { q: this.q, jurisdiction: this.jurisdiction, status: this.status, as_of: this.ctx.asOf, sort: 'legal_name', limit: 50, cursor };
  }

  async load(): Promise<void> {
    const seq = ++this.seq;
    this.data = { state: 'loading' };
    try {
      const page = await this.ctx.api.get<Page<Entity>>(tenantPath(this.ctx, '/entities'), this.query());
      if (seq === this.seq) this.data = { state: 'ok', value: page };
    } catch (error) {
      if (seq === this.seq) this.data = { state: 'error', error };
    }
  }

  private async loadMore(): Promise<void> {
    if (this.data.state !== 'ok' || !this.data.value.next_cursor) return;
    const current = this.data.value;
    this.more = true;
    try {
      const page = await this.ctx.api.get<Page<Entity>>(tenantPath(this.ctx, '/entities'), this.query(current.next_cursor ?? undefined));
      this.data = { state: 'ok', value: { items: [...current.items, ...page.items], next_cursor: page.next_cursor } };
    } catch (error) {
      this.data = { state: 'error', error };
    } finally {
      this.more = false;
    }
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.load(), 250);
  }

  private renderTable(page: Page<Entity>) {
    if (page.items.length === 0) return emptyState(strings.emptyList, strings.emptyListHint);
    return html`<table>
        <caption class="sr-only">${strings.listTitle}</caption>
        <thead><tr><th scope="col">${strings.colName}</th><th scope="col">${strings.colJurisdiction}</th>
          <th scope="col">${strings.colLegalForm}</th><th scope="col">${strings.colStatus}</th><th scope="col">${strings.colLei}</th></tr></thead>
        <tbody>
          ${page.items.map((e) => html`<tr>
            <td><a href=${this.ctx.href(`/entities/${e.id}`)} @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate(`/entities/${e.id}`); }}>${e.legal_name ?? e.id}</a></td>
            <td>${e.jurisdiction ?? strings.noValue}</td>
            <td>${e.legal_form_name ?? e.legal_form ?? strings.noValue}</td>
            <td>${e.status ?? strings.noValue}</td>
            <td>${e.lei ?? strings.noValue}</td>
          </tr>`)}
        </tbody>
      </table>
      ${page.next_cursor ? html`<p><button type="button" ?disabled=${this.more} @click=${this.loadMore}>${strings.loadMore}</button></p>` : nothing}`;
  }

  override render() {
    const d = this.data;
    return html`<section aria-labelledby="list-h">
      <h1 id="list-h">${strings.listTitle}</h1>
      <form class="row" role="search" @submit=${(e: Event) => { e.preventDefault(); void this.load(); }}>
        <div class="field"><label for="q">${strings.search}</label>
          <input id="q" type="search" .value=${this.q} placeholder=${strings.searchPlaceholder}
            @input=${(e: Event) => { this.q = (e.target as HTMLInputElement).value; this.changed(); }} /></div>
        <div class="field"><label for="fj">${strings.filterJurisdiction}</label>
          <input id="fj" .value=${this.jurisdiction} size="8" @input=${(e: Event) => { this.jurisdiction = (e.target as HTMLInputElement).value.trim().toUpperCase(); this.changed(); }} /></div>
        <div class="field"><label for="fs">${strings.filterStatus}</label>
          <select id="fs" @change=${(e: Event) => { this.status = (e.target as HTMLSelectElement).value; void this.load(); }}>
            <option value="">${strings.filterAny}</option>
            ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${s.replace(/_/g, ' ')}</option>`)}
          </select></div>
      </form>
      <div aria-live="polite" aria-busy=${d.state === 'loading' ? 'true' : 'false'}>
        ${d.state === 'ok' ? this.renderTable(d.value) : d.state === 'error' ? errorState(d.error, () => this.load()) : loadingState()}
      </div>
    </section>`;
  }
}
define('charter-entity-list', EntityList);
