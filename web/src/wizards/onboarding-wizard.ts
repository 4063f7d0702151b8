import { html, nothing } from 'lit';
import { WizardBase, type StepDef } from './wizard-base.ts';
import { strings } from '../strings.ts';
import { cached, invalidate } from '../cache.ts';
import { define } from '../define.ts';
import { ApiProblem } from '../api.ts';
import type { Jurisdiction, Tenant } from '../types.ts';

interface FieldDef { key: string; label: string; type: string; required: boolean }
export interface OnboardingDraft {
  step: number;
  name: string;
  slug: string;
  slug_edited: boolean;
  tier: string;
  placement: string;
  modules: string[];
  fields: FieldDef[];
  ff: { label: string; type: string; required: boolean };
  default_jurisdictions: string;
  signin: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  email_domains: string;
  admins: string[];
  admin_email: string;
  progress: { tenant?: boolean; fields: Record<string, boolean>; provider?: boolean; settings?: boolean; members: Record<string, boolean> };
}

const MODULES: [string, string][] = [
  ['register', strings.owModuleRegister],
  ['shares', strings.owModuleShares],
  ['structure', strings.owModuleStructure],
  ['beneficial_ownership', strings.owModuleBo],
];

const STEPS: StepDef[] = [
  { id: 'client', title: strings.owStepClient, fields: ['slug', 'name', 'tier'] },
  { id: 'placement', title: strings.owStepPlacement, fields: ['placement'] },
  { id: 'config', title: strings.owStepConfig, fields: ['fields', 'ff', 'default_jurisdictions', 'key', 'label', 'type'] },
  { id: 'admins', title: strings.owStepAdmins, fields: ['admins', 'admin_email', 'email', 'role', 'issuer', 'client_id', 'client_secret', 'email_domains'] },
  { id: 'review', title: strings.owStepReview, fields: [] },
];

/** "Initech LLP" → "initech-llp" */
export function slugify(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}
/** "Matter number" → "matter_number" */
export function fieldKey(label: string): string {
  const k = label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return (/^[a-z]/.test(k) ? k : `f_${k}`).slice(0, 63);
}
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OnboardingWizard extends WizardBase<OnboardingDraft> {
  readonly wizardName = 'client-onboarding';
  readonly steps = STEPS;
  readonly heading = strings.owTitle;
  protected override draftTenant(): string {
    return '*';
  }

  protected emptyDraft(): OnboardingDraft {
    return {
      step: 0, name: '', slug: '', slug_edited: false, tier: 'standard', placement: 'shared',
      modules: ['register', 'shares', 'structure'], fields: [], ff: { label: '', type: 'text', required: false },
      default_jurisdictions: '', signin: 'charter', issuer: '', client_id: '', client_secret: '', email_domains: '',
      admins: [], admin_email: '', progress: { fields: {}, members: {} },
    };
  }

  private get base() {
    return `/api/v1/tenants/${encodeURIComponent(this.draft.slug)}`;
  }

  protected async validateStep(id: string): Promise<Record<string, string>> {
    const d = this.draft;
    const e: Record<string, string> = {};
    switch (id) {
      case 'client': {
        if (!d.name.trim()) e.name = strings.required;
        if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(d.slug)) { e.slug = strings.owSlugPattern; break; }
        if (d.progress.tenant) break;
        // A free slug answers 404.
        try {
          await this.ctx.api.get<Tenant>(this.base);
          e.slug = strings.owSlugTaken;
        } catch (err) {
          if (!(err instanceof ApiProblem && err.status === 404)) throw err;
        }
        break;
      }
      case 'placement':
        if (!['shared', 'dedicated'].includes(d.placement)) e.placement = strings.required;
        break;
      case 'config': {
        const codes = d.default_jurisdictions.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
        for (const code of codes) {
          const country = code.split('-')[0];
          const list = await cached(this.ctx.apiBase, '', code.includes('-') ? `subdivisions:${country}` : 'countries', () =>
            this.ctx.api.get<{ items: Jurisdiction[] }>('/api/v1/jurisdictions', code.includes('-') ? { country } : {}));
          if (!list.items.some((j) => j.code === code)) { e.default_jurisdictions = strings.owUnknownJurisdiction(code); break; }
        }
        break;
      }
      case 'admins':
        d.admins.forEach((a, i) => { if (!EMAIL.test(a)) e[`admins.${i}`] = strings.owInvalidEmail; });
        if (d.signin === 'provider') {
          if (!/^https?:\/\//.test(d.issuer.trim())) e.issuer = 'must be an https URL';
          if (!d.client_id.trim()) e.client_id = strings.required;
          if (!d.email_domains.trim()) e.email_domains = strings.required;
        }
        break;
    }
    return e;
  }

  private addField(): void {
    const f = this.draft.ff;
    if (!f.label.trim()) {
      this.errors = { 'ff.label': strings.required };
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    this.errors = {};
    this.patch({ fields: [...this.draft.fields, { key: fieldKey(f.label), label: f.label.trim(), type: f.type, required: f.required }], ff: { label: '', type: 'text', required: false } });
  }

  private addAdmin(): void {
    const email = this.draft.admin_email.trim();
    if (!EMAIL.test(email)) {
      this.errors = { admin_email: strings.owInvalidEmail };
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    this.errors = {};
    this.patch({ admins: [...this.draft.admins, email], admin_email: '' });
  }

  protected async confirm(): Promise<void> {
    const d = this.draft;
    const api = this.ctx.api;
    const p = structuredClone(d.progress);
    const save = () => this.patch({ progress: structuredClone(p) });
    const attempt = async <T>(prefix: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof ApiProblem && e.status === 422 && this.showProblem(e, prefix)) return null;
        throw e;
      }
    };
    if (!p.tenant) {
      const t = await attempt('', () => api.post<Tenant>('/api/v1/tenants', { slug: d.slug, name: d.name.trim(), placement: d.placement, tier: d.tier }));
      if (!t) return;
      // a dedicated database takes a moment: wait until the tenant is active
      let status = t.status;
      for (let i = 0; status === 'provisioning' && i < 60; i++) {
        await sleep(500);
        status = (await api.get<Tenant>(this.base)).status;
      }
      p.tenant = true;
      save();
    }
    for (const [i, f] of d.fields.entries()) {
      if (p.fields[f.key]) continue;
      const r = await attempt(`fields.${i}`, () => api.post(`${this.base}/custom-fields`, { key: f.key, label: f.label, type: f.type, required: f.required }));
      if (r === null) return;
      p.fields[f.key] = true;
      save();
    }
    if (d.signin === 'provider' && !p.provider) {
      const r = await attempt('', () => api.put(`${this.base}/identity-provider`, {
        issuer: d.issuer.trim(), client_id: d.client_id.trim(), client_secret: d.client_secret || null,
        email_domains: d.email_domains.split(',').map((x) => x.trim()).filter(Boolean),
      }));
      if (r === null) return;
      p.provider = true;
      save();
    }
    for (const [i, email] of d.admins.entries()) {
      if (p.members[email]) continue;
      try {
        await api.post(`${this.base}/members`, { email, role: 'admin' });
      } catch (e) {
        if (!(e instanceof ApiProblem && e.status === 409)) {
          if (e instanceof ApiProblem && e.status === 422 && this.showProblem(e, `admins.${i}`)) return;
          throw e;
        }
      }
      p.members[email] = true;
      save();
    }
    // Modules and default jurisdictions are the tenant's settings.
    if (!p.settings) {
      const settings = {
        modules: d.modules,
        default_jurisdictions: d.default_jurisdictions.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean),
      };
      try {
        await api.patch(`${this.base}/settings`, settings);
      } catch (e) {
        if (e instanceof ApiProblem && e.status === 422 && this.showProblem(e)) return;
        throw e;
      }
      p.settings = true;
      save();
    }
    invalidate(this.ctx.apiBase, d.slug);
    this.store?.clear();
    this.ctx.emit('charter:tenant-created', { slug: d.slug, name: d.name.trim(), placement: d.placement });
    this.ctx.openTenant(d.slug);
  }

  protected renderStep(id: string) {
    const d = this.draft;
    switch (id) {
      case 'client':
        return html`${this.input('name', strings.owName, { required: true, onInput: (v) => { if (!d.slug_edited) this.setField('slug', slugify(v)); } })}
          ${this.input('slug', strings.owSlug, { hint: strings.owSlugHint, required: true, onInput: () => this.setField('slug_edited', true) })}
          <div class="field"><label for="f-tier">${strings.owTier}</label>
            <select id="f-tier" @change=${(e: Event) => this.setField('tier', (e.target as HTMLSelectElement).value)}>
              ${['standard', 'premium', 'unmetered'].map((t) => html`<option value=${t} ?selected=${d.tier === t}>${t}</option>`)}
            </select></div>`;
      case 'placement':
        return html`<fieldset><legend>${strings.owPlacementLegend}</legend>
          ${[['shared', strings.owShared, strings.owSharedHelp], ['dedicated', strings.owDedicated, strings.owDedicatedHelp]].map(([v, label, help]) => html`
            <div class="choice"><input type="radio" id="f-placement-${v}" name="placement" value=${v} .checked=${d.placement === v} aria-describedby="f-placement-${v}-help"
              @change=${() => this.setField('placement', v)} />
              <div><label for="f-placement-${v}">${label}</label><p class="hint muted" id="f-placement-${v}-help">${help}</p></div></div>`)}
          ${this.errorLine('placement')}
        </fieldset>`;
      case 'config':
        return html`<fieldset><legend>${strings.owModules}</legend>
            ${MODULES.map(([k, label]) => html`<div class="choice"><input type="checkbox" id="f-mod-${k}" .checked=${d.modules.includes(k)}
              @change=${(e: Event) => this.patch({ modules: (e.target as HTMLInputElement).checked ? [...d.modules, k] : d.modules.filter((m) => m !== k) })} />
              <label for="f-mod-${k}">${label}</label></div>`)}
          </fieldset>
          <fieldset><legend>${strings.owCustomFields}</legend>
            ${d.fields.length ? html`<ul class="items" aria-label=${strings.owCustomFields}>${d.fields.map((f, i) => html`<li data-field=${f.label}>${f.label} (${f.key}, ${f.type}${f.required ? ', ' + strings.owFieldRequired.toLowerCase() : ''})
              <button type="button" class="link" @click=${() => this.patch({ fields: d.fields.filter((x) => x.key !== f.key) })}>${strings.remove}<span class="sr-only"> ${f.label}</span></button>${this.errorLine(`fields.${i}`)}</li>`)}</ul>`
              : html`<p class="muted">${strings.owNoFields}</p>`}
            <div class="row">${this.input('ff.label', strings.owFieldLabel)}
              <div class="field"><label for="f-ff-type">${strings.owFieldType}</label>
                <select id="f-ff-type" @change=${(e: Event) => this.setField('ff.type', (e.target as HTMLSelectElement).value)}>
                  ${[['text', strings.typeText], ['number', strings.typeNumber], ['date', strings.typeDate]].map(([v, l]) => html`<option value=${v} ?selected=${d.ff.type === v}>${l}</option>`)}
                </select></div>
              <div class="field choice"><input type="checkbox" id="f-ff-required" .checked=${d.ff.required} @change=${(e: Event) => this.setField('ff.required', (e.target as HTMLInputElement).checked)} />
                <label for="f-ff-required">${strings.owFieldRequired}</label></div></div>
            <button type="button" @click=${this.addField}>${strings.owAddField}</button>
          </fieldset>
          ${this.input('default_jurisdictions', strings.owDefaultJurisdictions)}`;
      case 'admins':
        return html`<fieldset><legend>${strings.owSignIn}</legend>
            ${[['charter', strings.owSignInCharter], ['provider', strings.owSignInProvider]].map(([v, label]) => html`<div class="choice">
              <input type="radio" id="f-signin-${v}" name="signin" value=${v} .checked=${d.signin === v} @change=${() => this.setField('signin', v)} />
              <label for="f-signin-${v}">${label}</label></div>`)}
            ${d.signin === 'provider' ? html`${this.input('issuer', strings.owIssuer, { type: 'url' })}${this.input('client_id', strings.owClientId)}
              ${this.input('client_secret', strings.owClientSecret, { type: 'password' })}${this.input('email_domains', strings.owEmailDomains)}` : nothing}
          </fieldset>
          <fieldset><legend>${strings.owAdmins}</legend>
            ${d.admins.length ? html`<ul class="items" aria-label=${strings.owAdmins}>${d.admins.map((a, i) => html`<li>${a}
              <button type="button" class="link" @click=${() => this.patch({ admins: d.admins.filter((x) => x !== a) })}>${strings.remove}<span class="sr-only"> ${a}</span></button>${this.errorLine(`admins.${i}`)}</li>`)}</ul>`
              : html`<p class="muted">${strings.owNoAdmins}</p>`}
            ${this.input('admin_email', strings.owAdminEmail, { type: 'email' })}
            <button type="button" @click=${this.addAdmin}>${strings.owAddAdmin}</button>
          </fieldset>`;
      default:
        return html`<dl class="facts">
          <dt>${strings.owName}</dt><dd>${d.name}</dd>
          <dt>${strings.owSlug}</dt><dd>${d.slug}</dd>
          <dt>${strings.owStepPlacement}</dt><dd>${d.placement === 'dedicated' ? strings.owDedicated : strings.owShared}</dd>
          <dt>${strings.owTier}</dt><dd>${d.tier}</dd>
          <dt>${strings.owModules}</dt><dd>${d.modules.map((m) => MODULES.find(([k]) => k === m)?.[1] ?? m).join(', ') || strings.noValue}</dd>
          <dt>${strings.owCustomFields}</dt><dd>${d.fields.map((f) => f.label).join(', ') || strings.noValue}</dd>
          <dt>${strings.owDefaultJurisdictions}</dt><dd>${d.default_jurisdictions || strings.noValue}</dd>
          <dt>${strings.owSignIn}</dt><dd>${d.signin === 'provider' ? `${strings.owSignInProvider}: ${d.issuer} (${d.email_domains})` : strings.owSignInCharter}</dd>
          <dt>${strings.owAdmins}</dt><dd>${d.admins.join(', ') || strings.noValue}</dd>
        </dl>`;
    }
  }
}
define('charter-onboarding-wizard', OnboardingWizard);
