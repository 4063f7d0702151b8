import { html, nothing } from 'lit';
import { WizardBase, fieldId, type StepDef } from './wizard-base.ts';
import { strings } from '../strings.ts';
import { tenantPath } from '../context.ts';
import { cached } from '../cache.ts';
import { define } from '../define.ts';
import { checkLei } from '../lei.ts';
import { randomKey, ApiProblem } from '../api.ts';
import { mapErrorsToSteps, type FieldProblem } from '../errors.ts';
import { browserStorage } from '../drafts.ts';
import { searchHolders, type HolderMatch } from '../holders.ts';
import type { CustomField, Entity, Holder, Jurisdiction, LegalForm, Page, Person, Role } from '../types.ts';

interface Officer { key: string; person_id?: string; name: string; given_name?: string; family_name?: string; role: string; appointed_on: string }
interface HolderRow { key: string; holder: Holder; name: string; shares: string }
interface Progress { entity_id?: string; persons: Record<string, string>; appointments: Record<string, string>; class_id?: string; transactions: Record<string, string> }
export interface EntityDraft {
  step: number;
  legal_name: string;
  trading_name: string;
  short_name: string;
  custom: Record<string, string>;
  country: string;
  subdivision: string;
  legal_form: string;
  legal_form_text: string;
  registration_authority: string;
  registration_number: string;
  lei: string;
  incorporation_date: string;
  ro: { lines: string; city: string; region: string; postal_code: string; country: string };
  agent: { name: string; lines: string; city: string; country: string };
  officers: Officer[];
  of: { q: string; person_id: string; person_name: string; given_name: string; family_name: string; role: string; appointed_on: string };
  capital: { name: string; currency: string; nominal_value: string };
  holders: HolderRow[];
  hf: { q: string; holder: Holder | null; name: string; shares: string };
  effective_from: string;
  reason: string;
  entity_key: string;
  progress: Progress;
}

export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const STEPS: StepDef[] = [
  { id: 'identity', title: strings.ewStepIdentity, fields: ['legal_name', 'other_names', 'custom_fields'] },
  { id: 'jurisdiction', title: strings.ewStepJurisdiction, fields: ['jurisdiction', 'legal_form', 'legal_form_text'] },
  { id: 'registration', title: strings.ewStepRegistration, fields: ['registration_authority', 'registration_number', 'lei', 'incorporation_date', 'fiscal_year_end', 'tax_ids'] },
  { id: 'addresses', title: strings.ewStepAddresses, fields: ['addresses', 'registered_agent'] },
  { id: 'officers', title: strings.ewStepOfficers, fields: ['officers', 'of'] },
  { id: 'capital', title: strings.ewStepCapital, fields: ['capital', 'holders', 'hf'] },
  { id: 'review', title: strings.ewStepReview, fields: ['effective_from', 'effective_to', 'reason', 'body'] },
];

/** Steps whose fields are the entity's own, checked by `POST …/entities/validate`. */
const ENTITY_STEPS = ['identity', 'jurisdiction', 'registration', 'addresses', 'review'];

/** The entity POST body from a draft: only what was filled in. */
export function entityBody(d: EntityDraft): Record<string, unknown> {
  const body: Record<string, unknown> = { legal_name: d.legal_name.trim(), jurisdiction: d.subdivision || d.country };
  const set = (k: string, v: string) => { if (v.trim()) body[k] = v.trim(); };
  set('legal_form', d.legal_form.toUpperCase());
  set('legal_form_text', d.legal_form_text);
  set('registration_authority', d.registration_authority);
  set('registration_number', d.registration_number);
  set('lei', d.lei.toUpperCase());
  set('incorporation_date', d.incorporation_date);
  const other = [
    ...(d.trading_name.trim() ? [{ type: 'trading', name: d.trading_name.trim() }] : []),
    ...(d.short_name.trim() ? [{ type: 'short', name: d.short_name.trim() }] : []),
  ];
  if (other.length) body.other_names = other;
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  const ro = d.ro;
  if (ro.lines.trim() || ro.city.trim() || ro.country.trim()) {
    body.addresses = {
      registered_office: {
        lines: lines(ro.lines), city: ro.city.trim(), country: ro.country.trim().toUpperCase(),
        ...(ro.region.trim() ? { region: ro.region.trim() } : {}), ...(ro.postal_code.trim() ? { postal_code: ro.postal_code.trim() } : {}),
      },
    };
  }
  if (d.agent.name.trim()) {
    const a = d.agent;
    body.registered_agent = {
      name: a.name.trim(),
      ...(a.lines.trim() || a.city.trim() ? { address: { lines: lines(a.lines), city: a.city.trim(), country: a.country.trim().toUpperCase() } } : {}),
    };
  }
  const custom = Object.fromEntries(Object.entries(d.custom ?? {}).filter(([, v]) => String(v).trim() !== ''));
  if (Object.keys(custom).length) body.custom_fields = custom;
  if (d.effective_from) body.effective_from = d.effective_from;
  if (d.reason.trim()) body.reason = d.reason.trim();
  return body;
}

export class EntityWizard extends WizardBase<EntityDraft> {
  static override properties = {
    ...WizardBase.properties,
    countries: { state: true },
    subdivisions: { state: true },
    forms: { state: true },
    customFields: { state: true },
    roles: { state: true },
    people: { state: true },
    holderResults: { state: true },
  };
  declare countries: Jurisdiction[];
  declare subdivisions: Jurisdiction[];
  declare forms: LegalForm[] | null;
  declare customFields: CustomField[];
  declare roles: Role[];
  declare people: Person[] | null;
  declare holderResults: HolderMatch[] | null;
  readonly wizardName = 'add-entity';
  readonly steps = STEPS;
  readonly heading = strings.ewTitle;
  private timers: Record<string, ReturnType<typeof setTimeout>> = {};

  constructor() {
    super();
    this.countries = [];
    this.subdivisions = [];
    this.forms = null;
    this.customFields = [];
    this.roles = [];
    this.people = null;
    this.holderResults = null;
  }

  protected emptyDraft(): EntityDraft {
    let country = '';
    try {
      const prefs = JSON.parse(browserStorage('local')?.getItem(`charter:prefs:${this.ctx.apiBase}|${this.ctx.tenant}`) ?? 'null');
      country = prefs?.default_jurisdictions?.[0] ?? '';
    } catch { /* none */ }
    return {
      step: 0, legal_name: '', trading_name: '', short_name: '', custom: {},
      country: country.split('-')[0], subdivision: country.includes('-') ? country : '', legal_form: '', legal_form_text: '',
      registration_authority: '', registration_number: '', lei: '', incorporation_date: '',
      ro: { lines: '', city: '', region: '', postal_code: '', country: '' },
      agent: { name: '', lines: '', city: '', country: '' },
      officers: [], of: { q: '', person_id: '', person_name: '', given_name: '', family_name: '', role: 'director', appointed_on: '' },
      capital: { name: 'Ordinary', currency: '', nominal_value: '' }, holders: [], hf: { q: '', holder: null, name: '', shares: '' },
      effective_from: today(), reason: '', entity_key: randomKey(), progress: { persons: {}, appointments: {}, transactions: {} },
    };
  }

  protected override onDraftReady(): void {
    const api = this.ctx.api;
    cached(this.ctx.apiBase, '', 'countries', () => api.get<{ items: Jurisdiction[] }>('/api/v1/jurisdictions'))
      .then((r) => (this.countries = r.items)).catch(() => undefined);
    if (this.draft.country) void this.loadSubdivisions(this.draft.country);
    api.get<{ items: CustomField[] }>(tenantPath(this.ctx, '/custom-fields')).then((r) => (this.customFields = r.items)).catch(() => undefined);
    cached(this.ctx.apiBase, this.ctx.tenant, 'roles', () => api.get<{ items: Role[] }>(tenantPath(this.ctx, '/appointment-roles')))
      .then((r) => (this.roles = r.items)).catch(() => undefined);
  }

  private async loadSubdivisions(country: string): Promise<void> {
    this.subdivisions = [];
    if (!country) return;
    const r = await cached(this.ctx.apiBase, '', `subdivisions:${country}`, () =>
      this.ctx.api.get<{ items: Jurisdiction[] }>('/api/v1/jurisdictions', { country }),
    ).catch(() => ({ items: [] as Jurisdiction[] }));
    if (this.draft.country === country) this.subdivisions = r.items;
  }

  private get jurisdiction(): string {
    return this.draft.subdivision || this.draft.country;
  }

  private debounce(name: string, fn: () => void): void {
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(fn, 200);
  }

  private searchForms(q: string): void {
    this.debounce('forms', async () => {
      if (!this.jurisdiction) { this.forms = null; return; }
      try {
        const r = await this.ctx.api.get<{ items: LegalForm[] }>('/api/v1/legal-forms', { jurisdiction: this.jurisdiction, q: q.trim(), limit: 20 });
        this.forms = r.items;
      } catch { this.forms = null; }
    });
  }

  private searchPeople(q: string): void {
    this.debounce('people', async () => {
      if (!q.trim()) { this.people = null; return; }
      try {
        this.people = (await this.ctx.api.get<Page<Person>>(tenantPath(this.ctx, '/persons'), { q: q.trim(), limit: 8 })).items;
      } catch { this.people = null; }
    });
  }

  private searchHolders(q: string): void {
    this.debounce('holders', async () => {
      if (!q.trim()) { this.holderResults = null; return; }
      try {
        this.holderResults = await searchHolders(this.ctx, q, 8);
      } catch { this.holderResults = null; }
    });
  }

  protected async validateStep(id: string): Promise<Record<string, string>> {
    const d = this.draft;
    const e: Record<string, string> = {};
    const need = (v: string, path: string) => { if (!v.trim()) e[path] = strings.required; };
    switch (id) {
      case 'identity':
        need(d.legal_name, 'legal_name');
        for (const f of this.customFields) if (f.required) need(d.custom?.[f.key] ?? '', `custom_fields.${f.key}`);
        break;
      case 'jurisdiction': {
        if (!this.jurisdiction) { e.jurisdiction = strings.ewJurisdictionRequired; break; }
        const code = d.legal_form.trim().toUpperCase();
        if (!code) break;
        if (!/^[A-Z0-9]{4}$/.test(code)) { e.legal_form = 'must be an ISO 20275 ELF code of 4 characters'; break; }
        if ((code === '8888' || code === '9999') && !d.legal_form_text.trim()) { e.legal_form_text = strings.required; break; }
        if (code === '8888' || code === '9999') break;
        // The API's ELF list decides whether the form belongs to the jurisdiction.
        const fits = await this.ctx.api.get<{ items: LegalForm[] }>('/api/v1/legal-forms', { jurisdiction: this.jurisdiction, q: code, limit: 50 });
        if (fits.items.some((f) => f.code === code)) break;
        const any = await this.ctx.api.get<{ items: LegalForm[] }>('/api/v1/legal-forms', { q: code, limit: 50 });
        const form = any.items.find((f) => f.code === code);
        e.legal_form = form ? strings.ewFormNotOfJurisdiction(code, form.subdivision ?? form.country ?? '?', this.jurisdiction) : strings.ewFormUnknown(code);
        break;
      }
      case 'registration': {
        if (d.lei.trim()) {
          const c = checkLei(d.lei);
          if (!c.ok) e.lei = c.reason === 'length' ? strings.ewLeiLength : c.reason === 'characters' ? strings.ewLeiChars : strings.ewLeiCheck;
        }
        if (d.incorporation_date && !/^\d{4}-\d{2}-\d{2}$/.test(d.incorporation_date)) e.incorporation_date = 'must be a date as YYYY-MM-DD';
        break;
      }
      case 'addresses': {
        const ro = d.ro;
        if (ro.lines.trim() || ro.city.trim() || ro.country.trim() || ro.postal_code.trim()) {
          need(ro.lines, 'addresses.registered_office.lines');
          need(ro.city, 'addresses.registered_office.city');
          if (!/^[A-Za-z]{2}$/.test(ro.country.trim())) e['addresses.registered_office.country'] = 'must be an ISO 3166-1 alpha-2 code';
        }
        break;
      }
      case 'officers':
        d.officers.forEach((o, i) => { if (!this.roles.some((r) => r.key === o.role) && this.roles.length) e[`officers.${i}`] = `${o.role} is not an appointment role of this tenant`; });
        break;
      case 'capital':
        if (d.holders.length) {
          need(d.capital.name, 'capital.name');
          if (!/^[A-Za-z]{3}$/.test(d.capital.currency.trim())) e['capital.currency'] = 'must be an ISO 4217 code such as EUR, GBP or USD';
        }
        break;
      case 'review':
        need(d.effective_from, 'effective_from');
        if (d.effective_from && d.effective_from < today() && !d.reason.trim()) e.reason = strings.required;
        break;
    }
    if (Object.keys(e).length || !ENTITY_STEPS.includes(id)) return e;
    return this.validateOnServer(id);
  }

  /**
   * The API's own rules for the entity typed so far (`POST …/entities/validate`
   * writes nothing): the errors of this step and the ones before it. Fields
   * of later steps are not filled in yet, so their errors wait for those steps.
   */
  private async validateOnServer(id: string): Promise<Record<string, string>> {
    const outcome = await this.ctx.api.post<{ valid: boolean; errors: FieldProblem[] }>(
      tenantPath(this.ctx, '/entities/validate'), entityBody(this.draft));
    if (outcome.valid) return {};
    const upTo = STEPS.slice(0, STEPS.findIndex((s) => s.id === id) + 1);
    const mapped = mapErrorsToSteps(outcome.errors, upTo);
    return Object.fromEntries(upTo.flatMap((s) => Object.entries(mapped.byStep[s.id] ?? {})));
  }

  private addOfficer(): void {
    const f = this.draft.of;
    const e: Record<string, string> = {};
    if (!f.person_id) {
      if (!f.given_name.trim()) e['of.given_name'] = strings.required;
      if (!f.family_name.trim()) e['of.family_name'] = strings.required;
    }
    if (!f.role) e['of.role'] = strings.required;
    if (!f.appointed_on) e['of.appointed_on'] = strings.required;
    if (Object.keys(e).length) {
      this.errors = e;
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const officer: Officer = {
      key: randomKey(), role: f.role, appointed_on: f.appointed_on,
      ...(f.person_id ? { person_id: f.person_id, name: f.person_name } : { given_name: f.given_name.trim(), family_name: f.family_name.trim(), name: `${f.given_name.trim()} ${f.family_name.trim()}` }),
    };
    this.errors = {};
    this.patch({ officers: [...this.draft.officers, officer], of: { ...this.draft.of, q: '', person_id: '', person_name: '', given_name: '', family_name: '' } });
    this.people = null;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#${fieldId('of.given_name')}`)?.focus());
  }

  private addHolder(): void {
    const f = this.draft.hf;
    const e: Record<string, string> = {};
    if (!f.holder) e['hf.q'] = strings.ewHolderRequired;
    if (!/^\d+$/.test(f.shares.trim()) || Number(f.shares) < 1) e['hf.shares'] = strings.ewSharesPositive;
    if (Object.keys(e).length) {
      this.errors = e;
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    this.errors = {};
    this.patch({ holders: [...this.draft.holders, { key: randomKey(), holder: f.holder as Holder, name: f.name, shares: f.shares.trim() }], hf: { q: '', holder: null, name: '', shares: '' } });
    this.holderResults = null;
  }

  protected async confirm(): Promise<void> {
    const d = this.draft;
    const api = this.ctx.api;
    const p: Progress = structuredClone(d.progress);
    const save = () => this.patch({ progress: structuredClone(p) });
    const attempt = async <T>(prefix: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof ApiProblem && e.status === 422 && this.showProblem(e, prefix)) return null;
        throw e;
      }
    };
    if (!p.entity_id) {
      const created = await attempt('', () => api.post<Entity>(tenantPath(this.ctx, '/entities'), entityBody(d), { 'Idempotency-Key': d.entity_key }));
      if (!created) return;
      p.entity_id = created.id;
      save();
    }
    const entityId = p.entity_id;
    for (const [i, o] of d.officers.entries()) {
      if (p.appointments[o.key]) continue;
      let personId = o.person_id ?? p.persons[o.key];
      if (!personId) {
        const person = await attempt(`officers.${i}`, () =>
          api.post<Person>(tenantPath(this.ctx, '/persons'), { given_name: o.given_name, family_name: o.family_name }, { 'Idempotency-Key': `${o.key}-person` }));
        if (!person) return;
        personId = person.id;
        p.persons[o.key] = personId;
        save();
      }
      const appt = await attempt(`officers.${i}`, () =>
        api.post<{ id: string }>(tenantPath(this.ctx, '/appointments'), { entity_id: entityId, holder: { person_id: personId }, role: o.role, appointed_on: o.appointed_on }, { 'Idempotency-Key': `${o.key}-appointment` }));
      if (!appt) return;
      p.appointments[o.key] = appt.id;
      save();
    }
    if (d.holders.length) {
      if (!p.class_id) {
        const cls = await attempt('capital', () =>
          api.post<{ id: string }>(tenantPath(this.ctx, `/entities/${entityId}/share-classes`), {
            name: d.capital.name.trim(), currency: d.capital.currency.trim().toUpperCase(),
            ...(d.capital.nominal_value.trim() ? { nominal_value: d.capital.nominal_value.trim() } : {}),
            effective_from: d.effective_from || undefined, ...(d.reason.trim() ? { reason: d.reason.trim() } : {}),
          }));
        if (!cls) return;
        p.class_id = cls.id;
        save();
      }
      for (const [j, h] of d.holders.entries()) {
        if (p.transactions[h.key]) continue;
        const tx = await attempt(`holders.${j}`, () =>
          api.post<{ id: string }>(tenantPath(this.ctx, '/share-transactions'), {
            kind: 'issuance', share_class_id: p.class_id, to_holder: h.holder, shares: Number(h.shares),
            effective_from: d.effective_from || undefined, ...(d.reason.trim() ? { reason: d.reason.trim() } : {}),
          }, { 'Idempotency-Key': `${h.key}-issuance` }));
        if (!tx) return;
        p.transactions[h.key] = tx.id;
        save();
      }
    }
    this.ctx.emit('charter:entity-created', { id: entityId, legal_name: d.legal_name.trim(), tenant: this.ctx.tenant });
    this.store?.clear();
    this.ctx.navigate(`/entities/${entityId}`);
  }

  private renderIdentity() {
    return html`${this.input('legal_name', strings.ewLegalName, { required: true })}
      <div class="row">${this.input('trading_name', strings.ewTradingName, { errorPath: 'other_names' })}${this.input('short_name', strings.ewShortName, { errorPath: 'other_names' })}</div>
      ${this.customFields.length ? html`<fieldset><legend>${strings.ewCustomFields}</legend>
        ${this.customFields.map((f) => f.type === 'choice' && f.options?.length
          ? html`<div class="field"><label for=${fieldId(`custom.${f.key}`)}>${f.label}</label>
              <select id=${fieldId(`custom.${f.key}`)} aria-invalid=${this.err(`custom_fields.${f.key}`) ? 'true' : 'false'} @change=${(e: Event) => this.setField(`custom.${f.key}`, (e.target as HTMLSelectElement).value)}>
                <option value=""></option>${f.options.map((o) => html`<option ?selected=${this.value(`custom.${f.key}`) === o}>${o}</option>`)}
              </select>${this.errorLine(`custom_fields.${f.key}`)}</div>`
          : this.input(`custom.${f.key}`, f.label, { type: f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text', required: !!f.required, errorPath: `custom_fields.${f.key}` }))}
      </fieldset>` : nothing}`;
  }

  private renderJurisdiction() {
    const d = this.draft;
    const jErr = this.err('jurisdiction');
    return html`<div class="row">
        <div class="field"><label for="f-country">${strings.ewCountry}</label>
          <select id="f-country" aria-invalid=${jErr ? 'true' : 'false'} aria-describedby=${jErr ? 'f-country-error' : nothing}
            @change=${(e: Event) => { const v = (e.target as HTMLSelectElement).value; this.setField('country', v); this.setField('subdivision', ''); this.errors = {}; void this.loadSubdivisions(v); this.searchForms(d.legal_form); }}>
            <option value="">${strings.ewChooseCountry}</option>
            ${this.countries.map((c) => html`<option value=${c.code} ?selected=${c.code === d.country}>${c.name} (${c.code})</option>`)}
          </select>
          ${jErr ? html`<p class="error" id="f-country-error" data-error-for="jurisdiction">${jErr}</p>` : nothing}</div>
        <div class="field"><label for="f-subdivision">${strings.ewSubdivision}</label>
          <select id="f-subdivision" ?disabled=${!this.subdivisions.length}
            @change=${(e: Event) => { this.setField('subdivision', (e.target as HTMLSelectElement).value); this.searchForms(this.draft.legal_form); }}>
            <option value="">${strings.ewWholeCountry}</option>
            ${this.subdivisions.map((s) => html`<option value=${s.code} ?selected=${s.code === d.subdivision}>${s.name} (${s.code})</option>`)}
          </select></div>
      </div>
      ${this.input('legal_form', strings.ewLegalForm, { hint: strings.ewLegalFormHint, onInput: (v) => this.searchForms(v) })}
      ${this.forms ? this.forms.length ? html`<ul class="options" aria-label=${strings.ewFormMatches}>
          ${this.forms.map((f) => html`<li><button type="button" aria-pressed=${f.code === d.legal_form.toUpperCase() ? 'true' : 'false'}
            @click=${() => { this.setField('legal_form', f.code); this.forms = null; this.renderRoot.querySelector<HTMLElement>('#f-legal_form')?.focus(); }}>
            ${f.code} — ${f.name}${f.abbreviations ? ` (${f.abbreviations})` : ''}${f.status === 'INAC' ? ' · inactive' : ''}</button></li>`)}
        </ul>` : html`<p class="muted" role="status">${strings.ewNoForms}</p>` : nothing}
      ${['8888', '9999'].includes(d.legal_form.trim()) ? this.input('legal_form_text', strings.ewLegalFormText, { required: true }) : nothing}`;
  }

  private renderRegistration() {
    const lei = this.draft.lei.trim();
    const check = lei ? checkLei(lei) : null;
    const live = check ? (check.ok ? strings.ewLeiOk : check.reason === 'length' ? strings.ewLeiLength : check.reason === 'characters' ? strings.ewLeiChars : strings.ewLeiCheck) : '';
    return html`<div class="row">${this.input('registration_authority', strings.ewAuthority)}${this.input('registration_number', strings.ewNumber)}</div>
      ${this.input('lei', strings.ewLei, { hint: live || undefined })}
      <span class="sr-only" role="status" aria-live="polite">${live}</span>
      ${check && !check.ok && !this.err('lei') ? html`<p class="error-text" data-lei-check="invalid">${live}</p>` : check?.ok ? html`<p class="ok-text" data-lei-check="valid">✓</p>` : nothing}
      ${this.input('incorporation_date', strings.ewIncorporation, { type: 'date' })}`;
  }

  private renderAddresses() {
    const d = this.draft;
    const linesId = fieldId('ro.lines');
    const linesErr = this.err('addresses.registered_office.lines');
    return html`<fieldset><legend>${strings.ewRegisteredOffice}</legend>
        <div class="field"><label for=${linesId}>${strings.ewAddressLines}</label>
          <textarea id=${linesId} rows="2" .value=${d.ro.lines} aria-invalid=${linesErr ? 'true' : 'false'}
            @input=${(e: Event) => this.setField('ro.lines', (e.target as HTMLTextAreaElement).value)}></textarea>
          ${this.errorLine('addresses.registered_office.lines')}</div>
        <div class="row">${this.input('ro.city', strings.ewCity, { errorPath: 'addresses.registered_office.city' })}
          ${this.input('ro.region', strings.ewRegion, { errorPath: 'addresses.registered_office.region' })}
          ${this.input('ro.postal_code', strings.ewPostalCode, { errorPath: 'addresses.registered_office.postal_code' })}
          ${this.input('ro.country', strings.ewAddressCountry, { errorPath: 'addresses.registered_office.country' })}</div>
        ${this.errorLine('addresses')}
      </fieldset>
      <fieldset><legend>${strings.ewAgent}</legend>
        ${this.input('agent.name', strings.ewAgentName, { errorPath: 'registered_agent.name' })}
        <div class="row">${this.input('agent.lines', strings.ewAddressLines, { errorPath: 'registered_agent.address.lines' })}
          ${this.input('agent.city', strings.ewCity, { errorPath: 'registered_agent.address.city' })}
          ${this.input('agent.country', strings.ewAddressCountry, { errorPath: 'registered_agent.address.country' })}</div>
        ${this.errorLine('registered_agent')}
      </fieldset>`;
  }

  private renderOfficers() {
    const d = this.draft;
    const role = this.err('of.role');
    return html`${d.officers.length ? html`<ul class="items" aria-label=${strings.ewStepOfficers}>
        ${d.officers.map((o, i) => html`<li data-officer=${o.name}>${o.name} — ${this.roles.find((r) => r.key === o.role)?.label ?? o.role}, ${o.appointed_on}
          <button type="button" class="link" @click=${() => this.patch({ officers: d.officers.filter((x) => x.key !== o.key) })}>${strings.remove}<span class="sr-only"> ${o.name}</span></button>
          ${this.errorLine(`officers.${i}`)}</li>`)}</ul>` : html`<p class="muted">${strings.ewNoOfficers}</p>`}
      <fieldset><legend>${strings.ewOfficerNew}</legend>
        ${this.input('of.q', strings.ewFindPerson, { onInput: (v) => this.searchPeople(v) })}
        ${this.people?.length ? html`<ul class="options" aria-label=${strings.ewPeopleMatches}>${this.people.map((p) => {
          const name = `${p.given_name} ${p.family_name}`;
          return html`<li><button type="button" aria-label=${strings.ewPick(name)} @click=${() => { this.patch({ of: { ...d.of, person_id: p.id, person_name: name } }); this.people = null; }}>${name}${p.email ? ` · ${p.email}` : ''}</button></li>`;
        })}</ul>` : nothing}
        ${d.of.person_id ? html`<p role="status">${strings.ewPicked(d.of.person_name)} <button type="button" class="link" @click=${() => this.patch({ of: { ...d.of, person_id: '', person_name: '' } })}>${strings.ewClearPick}</button></p>`
          : html`<div class="row">${this.input('of.given_name', strings.ewGivenName)}${this.input('of.family_name', strings.ewFamilyName)}</div>`}
        <div class="row">
          <div class="field"><label for="f-of-role">${strings.ewRole}</label>
            <select id="f-of-role" aria-invalid=${role ? 'true' : 'false'} @change=${(e: Event) => this.setField('of.role', (e.target as HTMLSelectElement).value)}>
              ${this.roles.map((r) => html`<option value=${r.key} ?selected=${r.key === d.of.role}>${r.label}</option>`)}
            </select>${this.errorLine('of.role')}</div>
          ${this.input('of.appointed_on', strings.ewAppointedOn, { type: 'date' })}
        </div>
        <button type="button" @click=${this.addOfficer}>${strings.ewAddOfficer}</button>
      </fieldset>`;
  }

  private renderCapital() {
    const d = this.draft;
    return html`<div class="row">${this.input('capital.name', strings.ewShareClass)}${this.input('capital.currency', strings.ewCurrency)}${this.input('capital.nominal_value', strings.ewNominal, { type: 'number' })}</div>
      ${d.holders.length ? html`<ul class="items" aria-label=${strings.ewStepCapital}>
        ${d.holders.map((h, i) => html`<li data-holder=${h.name}>${h.name}: ${Number(h.shares).toLocaleString()} ${d.capital.name}
          <button type="button" class="link" @click=${() => this.patch({ holders: d.holders.filter((x) => x.key !== h.key) })}>${strings.remove}<span class="sr-only"> ${h.name}</span></button>
          ${this.errorLine(`holders.${i}`)}</li>`)}</ul>` : html`<p class="muted">${strings.ewNoHolders}</p>`}
      <fieldset><legend>${strings.ewAddHolder}</legend>
        ${this.input('hf.q', strings.ewHolderSearch, { onInput: (v) => { this.setField('hf.holder', null); this.searchHolders(v); } })}
        ${this.holderResults?.length ? html`<ul class="options" aria-label=${strings.ewHolderMatches}>${this.holderResults.map((r) => html`<li>
          <button type="button" aria-label=${strings.ewPick(r.name)} @click=${() => { this.patch({ hf: { ...this.draft.hf, holder: r.holder, name: r.name, q: r.name } }); this.holderResults = null; }}>${r.name} · ${r.kind}</button></li>`)}</ul>` : nothing}
        ${d.hf.holder ? html`<p role="status">${strings.ewPicked(d.hf.name)}</p>` : nothing}
        ${this.input('hf.shares', strings.ewShares, { type: 'number' })}
        <button type="button" @click=${this.addHolder}>${strings.ewAddHolder}</button>
      </fieldset>`;
  }

  private renderReview() {
    const d = this.draft;
    const body = entityBody(d);
    return html`${d.progress.entity_id ? html`<p class="note" role="status">${strings.ewAlreadyCreated}</p>` : nothing}
      <dl class="facts">
        <dt>${strings.ewLegalName}</dt><dd>${d.legal_name}</dd>
        <dt>${strings.fieldJurisdiction}</dt><dd>${body.jurisdiction as string}</dd>
        <dt>${strings.ewLegalForm}</dt><dd>${d.legal_form || strings.noValue}</dd>
        <dt>${strings.ewNumber}</dt><dd>${[d.registration_authority, d.registration_number].filter(Boolean).join(' · ') || strings.noValue}</dd>
        <dt>LEI</dt><dd>${d.lei || strings.noValue}</dd>
        <dt>${strings.ewIncorporation}</dt><dd>${d.incorporation_date || strings.noValue}</dd>
        <dt>${strings.ewRegisteredOffice}</dt><dd>${[d.ro.lines.replace(/\n/g, ', '), d.ro.city, d.ro.country].filter(Boolean).join(', ') || strings.noValue}</dd>
        <dt>${strings.ewAgent}</dt><dd>${d.agent.name || strings.noValue}</dd>
        <dt>${strings.ewStepOfficers}</dt><dd>${d.officers.map((o) => `${o.name} (${o.role}, ${o.appointed_on})`).join('; ') || strings.noValue}</dd>
        <dt>${strings.ewStepCapital}</dt><dd>${d.holders.map((h) => `${h.name}: ${h.shares} ${d.capital.name}`).join('; ') || strings.noValue}</dd>
        ${this.customFields.map((f) => html`<dt>${f.label}</dt><dd>${d.custom?.[f.key] || strings.noValue}</dd>`)}
      </dl>
      ${this.input('effective_from', strings.ewEffective, { type: 'date', hint: strings.ewEffectiveHint, required: true })}
      ${d.effective_from && d.effective_from < today() ? this.input('reason', strings.ewReason) : nothing}`;
  }

  protected renderStep(id: string) {
    switch (id) {
      case 'identity': return this.renderIdentity();
      case 'jurisdiction': return this.renderJurisdiction();
      case 'registration': return this.renderRegistration();
      case 'addresses': return this.renderAddresses();
      case 'officers': return this.renderOfficers();
      case 'capital': return this.renderCapital();
      default: return this.renderReview();
    }
  }
}
define('charter-entity-wizard', EntityWizard);
