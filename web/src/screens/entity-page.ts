import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath, type AppContext } from '../context.ts';
import { define } from '../define.ts';
import { cached } from '../cache.ts';
import { emptyState, errorState, loadingState, type Load } from '../ui.ts';
import { ApiProblem } from '../api.ts';
import { ENTITY_TABS } from '../router.ts';
import type { Address, Appointment, AuditEvent, Entity, History, Page, Person, RegisterLine, Role } from '../types.ts';

const TAB_LABEL: Record<string, string> = {
  overview: strings.tabOverview,
  history: strings.tabHistory,
  officers: strings.tabOfficers,
  ownership: strings.tabOwnership,
  structure: strings.tabStructure,
  audit: strings.tabAudit,
};

export interface TimelineItem {
  fact: string;
  value: string;
  from: string;
  to: string | null;
}

export function timeline(history: History): TimelineItem[] {
  const items: TimelineItem[] = [];
  for (const [fact, versions] of Object.entries(history.facts)) {
    for (const v of versions) {
      items.push({ fact, value: typeof v.value === 'string' ? v.value : JSON.stringify(v.value), from: v.valid_from, to: v.valid_to });
    }
  }
  return items.sort((a, b) => a.from.localeCompare(b.from) || a.fact.localeCompare(b.fact));
}

function address(a: Address | null | undefined): string {
  if (!a) return strings.noValue;
  return [...a.lines, a.city, a.region, a.postal_code, a.country].filter(Boolean).join(', ');
}

export class EntityPage extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    entityId: { attribute: false },
    tab: { attribute: false },
    entity: { state: true },
    tabData: { state: true },
  };
  static override styles = [
    base,
    css`
      nav.tabs ul { display: flex; gap: 0.25em; flex-wrap: wrap; list-style: none; padding: 0; margin: 0 0 1em; border-bottom: 1px solid var(--charter-border-soft, #dde3e9); }
      nav.tabs a { display: inline-block; padding: 0.4em 0.8em; text-decoration: none; border-radius: var(--charter-radius, 6px) var(--charter-radius, 6px) 0 0; }
      nav.tabs a[aria-current='page'] { background: var(--charter-surface, #f4f6f8); font-weight: 700; border: 1px solid var(--charter-border-soft, #dde3e9); border-bottom: none; }
      ol.timeline { list-style: none; margin: 0; padding: 0 0 0 1em; border-left: 3px solid var(--charter-accent, #0b5cad); }
      ol.timeline li { margin: 0 0 0.8em; position: relative; }
      ol.timeline li::before { content: ''; position: absolute; left: -1.45em; top: 0.35em; width: 0.7em; height: 0.7em; border-radius: 50%; background: var(--charter-accent, #0b5cad); }
      .when { font-size: 0.9em; color: var(--charter-muted, #4d5965); }
      .crumbs { margin: 0 0 0.5em; }
    `,
  ];
  declare ctx: AppContext;
  declare entityId: string;
  declare tab: string;
  declare entity: Load<Entity>;
  declare tabData: Load<unknown>;
  private seq = 0;
  private tabSeq = 0;

  constructor() {
    super();
    this.entity = { state: 'idle' };
    this.tabData = { state: 'idle' };
    this.tab = 'overview';
  }

  protected override willUpdate(changed: PropertyValues): void {
    const prev = changed.get('ctx') as AppContext | undefined;
    const ctxChanged = changed.has('ctx') && (!prev || prev.asOf !== this.ctx.asOf || prev.tenant !== this.ctx.tenant || prev.api !== this.ctx.api);
    if (ctxChanged || changed.has('entityId')) void this.loadEntity();
    if (ctxChanged || changed.has('entityId') || changed.has('tab')) void this.loadTab();
  }

  private async loadEntity(): Promise<void> {
    const seq = ++this.seq;
    this.entity = { state: 'loading' };
    try {
      const value = await this.ctx.api.get<Entity>(tenantPath(this.ctx, `/entities/${this.entityId}`), { as_of: this.ctx.asOf });
      if (seq === this.seq) this.entity = { state: 'ok', value };
    } catch (error) {
      if (seq === this.seq) this.entity = { state: 'error', error };
    }
  }

  private async personName(id: string): Promise<string> {
    const p = await cached(this.ctx.apiBase, this.ctx.tenant, `person:${id}`, () =>
      this.ctx.api.get<Person>(tenantPath(this.ctx, `/persons/${id}`)),
    );
    return `${p.given_name} ${p.family_name}`;
  }

  private async entityName(id: string): Promise<string> {
    const e = await this.ctx.api.get<Entity>(tenantPath(this.ctx, `/entities/${id}`), { as_of: this.ctx.asOf });
    return e.legal_name ?? id;
  }

  private async fetchTab(): Promise<unknown> {
    const id = this.entityId;
    const asOf = this.ctx.asOf;
    switch (this.tab) {
      case 'history':
        return this.ctx.api.get<History>(tenantPath(this.ctx, `/entities/${id}/history`));
      case 'officers': {
        const [page, roles] = await Promise.all([
          this.ctx.api.get<Page<Appointment>>(tenantPath(this.ctx, '/appointments'), { entity_id: id, as_of: asOf, limit: 200 }),
          cached(this.ctx.apiBase, this.ctx.tenant, 'roles', () => this.ctx.api.get<{ items: Role[] }>(tenantPath(this.ctx, '/appointment-roles'))),
        ]);
        const names = await Promise.all(
          page.items.map((a) =>
            (a.holder.person_id ? this.personName(a.holder.person_id) : a.holder.entity_id ? this.entityName(a.holder.entity_id) : Promise.resolve('')).catch(() => ''),
          ),
        );
        const roleLabel = new Map(roles.items.map((r) => [r.key, r.label]));
        return page.items.map((a, i) => ({ ...a, name: names[i], roleLabel: roleLabel.get(a.role) ?? a.role }));
      }
      case 'ownership':
        return this.ctx.api.get<{ items: RegisterLine[] }>(tenantPath(this.ctx, `/entities/${id}/register`), { as_of: asOf });
      case 'audit':
        return this.ctx.api.get<Page<AuditEvent>>(tenantPath(this.ctx, '/audit-events'), { resource_id: id, limit: 200 });
      case 'structure':
        await import('../chart/structure-chart.ts');
        return null;
      default:
        return null;
    }
  }

  private async loadTab(): Promise<void> {
    const seq = ++this.tabSeq;
    if (this.tab === 'overview') {
      this.tabData = { state: 'ok', value: null };
      return;
    }
    this.tabData = { state: 'loading' };
    try {
      const value = await this.fetchTab();
      if (seq === this.tabSeq) this.tabData = { state: 'ok', value };
    } catch (error) {
      if (seq === this.tabSeq) this.tabData = { state: 'error', error };
    }
  }

  private renderOverview(e: Entity) {
    const cf = Object.entries(e.custom_fields ?? {});
    return html`<dl class="facts">
      <dt>${strings.fieldLegalName}</dt><dd data-fact="legal_name">${e.legal_name ?? strings.noValue}</dd>
      <dt>${strings.fieldOtherNames}</dt><dd>${e.other_names.length ? e.other_names.map((n) => `${n.name} (${n.type})`).join('; ') : strings.noValue}</dd>
      <dt>${strings.fieldJurisdiction}</dt><dd>${e.jurisdiction ?? strings.noValue}</dd>
      <dt>${strings.fieldLegalForm}</dt><dd>${e.legal_form ? `${e.legal_form_name ?? e.legal_form_text ?? ''} (${e.legal_form})` : strings.noValue}</dd>
      <dt>${strings.fieldRegistration}</dt><dd>${[e.registration_authority, e.registration_number].filter(Boolean).join(' · ') || strings.noValue}</dd>
      <dt>${strings.fieldLei}</dt><dd>${e.lei ?? strings.noValue}</dd>
      <dt>${strings.fieldIncorporated}</dt><dd>${e.incorporation_date ?? strings.noValue}</dd>
      <dt>${strings.fieldStatus}</dt><dd>${e.status ?? strings.noValue}</dd>
      <dt>${strings.fieldManagement}</dt><dd>${e.management_status ?? strings.noValue}</dd>
      <dt>${strings.fieldRegisteredOffice}</dt><dd>${address(e.addresses?.registered_office)}</dd>
      <dt>${strings.fieldRegisteredAgent}</dt><dd>${e.registered_agent ? `${e.registered_agent.name}${e.registered_agent.address ? ', ' + address(e.registered_agent.address) : ''}` : strings.noValue}</dd>
      ${cf.map(([k, v]) => html`<dt>${k.replace(/_/g, ' ')}</dt><dd>${String(v)}</dd>`)}
    </dl>`;
  }

  private renderTab(e: Entity) {
    const d = this.tabData;
    if (this.tab === 'overview') return this.renderOverview(e);
    if (this.tab === 'structure') {
      return html`<charter-structure-chart .ctx=${this.ctx} .entityId=${this.entityId} .entityName=${e.legal_name ?? ''}></charter-structure-chart>`;
    }
    if (d.state === 'error') {
      if (this.tab === 'audit' && d.error instanceof ApiProblem && d.error.status === 403) return emptyState(strings.auditForbidden);
      return errorState(d.error, () => this.loadTab());
    }
    if (d.state !== 'ok') return loadingState();
    switch (this.tab) {
      case 'history': {
        const items = timeline(d.value as History);
        if (!items.length) return emptyState(strings.historyEmpty);
        return html`<ol class="timeline" aria-label=${strings.tabHistory}>
          ${items.map((i) => html`<li><div class="when">${strings.historyFrom(i.from, i.to)}</div>
            <div><strong>${i.fact.replace(/^custom\./, '').replace(/_/g, ' ')}</strong>: ${i.value}</div></li>`)}
        </ol>`;
      }
      case 'officers': {
        const rows = d.value as (Appointment & { name: string; roleLabel: string })[];
        if (!rows.length) return emptyState(strings.officersEmpty);
        return html`<table><caption class="sr-only">${strings.tabOfficers}</caption>
          <thead><tr><th scope="col">${strings.colHolder}</th><th scope="col">${strings.colRole}</th><th scope="col">${strings.colAppointed}</th><th scope="col">${strings.colCeased}</th></tr></thead>
          <tbody>${rows.map((a) => html`<tr><td>${a.name}</td><td>${a.roleLabel}</td><td>${a.appointed_on}</td><td>${a.ceased_on ?? strings.noValue}</td></tr>`)}</tbody></table>`;
      }
      case 'ownership': {
        const lines = (d.value as { items: RegisterLine[] }).items;
        if (!lines.length) return emptyState(strings.ownershipEmpty);
        return html`<table><caption class="sr-only">${strings.tabOwnership}</caption>
          <thead><tr><th scope="col">${strings.colHolder}</th><th scope="col">${strings.colShareClass}</th><th scope="col">${strings.colShares}</th><th scope="col">${strings.colCapital}</th><th scope="col">${strings.colVotes}</th></tr></thead>
          <tbody>${lines.map((l) => html`<tr>
            <td>${l.holder.entity_id ? html`<a href=${this.ctx.href(`/entities/${l.holder.entity_id}`)} @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate(`/entities/${l.holder.entity_id}`); }}>${l.holder_name ?? l.holder.entity_id}</a>` : l.holder_name ?? strings.noValue}</td>
            <td>${l.share_class}</td><td>${l.shares.toLocaleString()}</td><td>${l.capital_pct.toFixed(2)}</td><td>${l.votes_pct.toFixed(2)}</td></tr>`)}</tbody></table>`;
      }
      case 'audit': {
        const events = (d.value as Page<AuditEvent>).items;
        if (!events.length) return emptyState(strings.auditEmpty);
        return html`<table><caption class="sr-only">${strings.tabAudit}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">${strings.colWhen}</th><th scope="col">${strings.colAction}</th><th scope="col">${strings.colActor}</th></tr></thead>
          <tbody>${events.map((a) => html`<tr><td>${a.seq}</td><td>${new Date(a.at).toLocaleString()}</td><td>${a.action}</td><td>${a.actor}</td></tr>`)}</tbody></table>`;
      }
      default:
        return nothing;
    }
  }

  override render() {
    const en = this.entity;
    if (en.state === 'error') return errorState(en.error, () => { void this.loadEntity(); void this.loadTab(); });
    if (en.state !== 'ok') return loadingState();
    const e = en.value;
    return html`<article aria-labelledby="entity-h">
      <p class="crumbs"><a href=${this.ctx.href('/entities')} @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate('/entities'); }}>${strings.backToList}</a></p>
      <h1 id="entity-h">${e.legal_name ?? e.id}</h1>
      <p class="muted">${strings.asOf} ${e.as_of}</p>
      <nav class="tabs" aria-label=${e.legal_name ?? ''}><ul>
        ${ENTITY_TABS.map((t) => html`<li><a href=${this.ctx.href(`/entities/${this.entityId}/${t}`)} aria-current=${this.tab === t ? 'page' : 'false'}
          @click=${(ev: Event) => { ev.preventDefault(); this.ctx.navigate(`/entities/${this.entityId}${t === 'overview' ? '' : '/' + t}`); }}>${TAB_LABEL[t]}</a></li>`)}
      </ul></nav>
      <section aria-label=${TAB_LABEL[this.tab] ?? ''}>${this.renderTab(e)}</section>
    </article>`;
  }
}
define('charter-entity-page', EntityPage);
