/**
 * The share ledger's "Record transaction…" form (an issuance, a transfer or
 * a cancellation), loaded on demand by the entity page. The entity page
 * keeps the form's draft (so nothing typed is lost while the page reloads);
 * this element loads what the form offers (the entity's classes, the
 * register at the effective date, holders matching a search), checks the
 * draft, posts it and shows a refusal next to its fields.
 */
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath, type AppContext } from '../context.ts';
import { define } from '../define.ts';
import { describeError, errorState, loadingState, type Load } from '../ui.ts';
import { holderKey, searchHolders, type HolderMatch } from '../holders.ts';
import { REASON_MAX } from '../ledger.ts';
import {
  RECORD_KINDS, firstInvalid, holdingsOf, needsFrom, needsTo, rankMatches, recordBody, recordProblems, recordRefusal, sharesHeld,
  type HolderPick, type RecordDraft, type RecordField, type RecordKind,
} from '../record-transaction.ts';
import type { RegisterLine, ShareClass, ShareTransaction } from '../types.ts';

/** Each field's element id. */
const ID: Record<RecordField, string> = {
  kind: 'tx-kind', share_class_id: 'tx-class', from_holder: 'tx-from', to_holder: 'tx-to',
  shares: 'tx-shares', effective_from: 'tx-effective', reason: 'tx-reason',
};

type Side = 'from' | 'to';
const SIDE_FIELD: Record<Side, RecordField> = { from: 'from_holder', to: 'to_holder' };

export class RecordTransaction extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    entityId: { attribute: false },
    draft: { attribute: false },
    revision: { attribute: false },
    onChange: { attribute: false },
    onRecorded: { attribute: false },
    onCancel: { attribute: false },
    onAddClass: { attribute: false },
    classes: { state: true },
    register: { state: true },
    found: { state: true },
  };
  static override styles = [
    base,
    css`
      section.panel { border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); background: var(--charter-surface, #f4f6f8); padding: 0.9em 1em; margin: 0 0 1em; max-width: 52em; }
      h3 { font-size: 1.1em; }
      h3:focus { outline: none; }
      h3:focus-visible { outline: 3px solid var(--charter-focus, #f5a623); }
      .no-class { display: flex; gap: 0.75em; flex-wrap: wrap; }
      .alert { margin: 0 0 0.9em; padding: 0.5em 0.8em; border: 1px solid var(--charter-danger, #b3261e); border-radius: var(--charter-radius, 6px); background: var(--charter-bg, #ffffff); }
      .alert ul { margin: 0.2em 0 0; padding-left: 1.2em; }
      .alert p { margin: 0.2em 0 0; }
      input[type='text'], textarea { width: 100%; }
      textarea { min-height: 3.5em; }
      select { min-width: 12em; }
      .row > .field.narrow { flex: 0 1 12em; }
      ul.options { list-style: none; padding: 0; margin: 0.3em 0; max-height: 14em; overflow: auto; border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); background: var(--charter-bg, #ffffff); }
      ul.options li button { display: block; width: 100%; text-align: left; border: none; border-radius: 0; background: none; padding: 0.35em 0.6em; }
      ul.options li button:hover { background: var(--charter-surface, #f4f6f8); }
      .current { margin: 0.5em 0 0; }
      .current p { margin: 0 0 0.3em; font-size: 0.92em; }
      ul.holdings { display: flex; flex-wrap: wrap; gap: 0.4em; list-style: none; padding: 0; margin: 0; }
      ul.holdings button { background: var(--charter-bg, #ffffff); padding: 0.2em 0.7em; }
      ul.holdings button[aria-pressed='true'] { background: var(--charter-accent, #0b5cad); border-color: var(--charter-accent, #0b5cad); color: var(--charter-accent-contrast, #ffffff); }
      .picked { margin: 0.3em 0 0; font-size: 0.92em; }
      .count { margin: 0.3em 0 0; font-size: 0.92em; }
      .count:empty { margin: 0; }
      .actions { display: flex; gap: 0.75em; flex-wrap: wrap; margin-top: 0.4em; }
    `,
  ];
  declare ctx: AppContext;
  declare entityId: string;
  declare draft: RecordDraft;
  /** The ledger as last loaded: when it changes (say a reversal), the current holders are read again. */
  declare revision: unknown;
  /** Applies `change` to the draft of the opening `key` (the entity page keeps the draft). */
  declare onChange: (key: string, change: (d: RecordDraft) => RecordDraft) => void;
  /** Recorded (201): the entity page closes the form and reloads the ledger. */
  declare onRecorded: (key: string, transaction: ShareTransaction) => void;
  declare onCancel: () => void;
  /** Without a class: "Add share class…" opens that form (the entity page's). */
  declare onAddClass: (() => void) | undefined;
  declare classes: Load<ShareClass[]>;
  /** The register at `date` (the From field's quick choices). */
  declare register: { date: string; lines: RegisterLine[] } | null;
  declare found: Record<Side, HolderMatch[] | null>;
  /** Resolves once the classes are in (or failed) and shown: the entity page then moves the focus in. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private loadedFor = '';
  private registerDate = '';
  private timers: Partial<Record<string, ReturnType<typeof setTimeout>>> = {};
  private seqs: Record<string, number> = {};

  constructor() {
    super();
    this.classes = { state: 'idle' };
    this.register = null;
    this.found = { from: null, to: null };
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const t of Object.values(this.timers)) clearTimeout(t);
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (!this.ctx || !this.entityId || !this.draft) return;
    const scope = `${this.ctx.apiBase}|${this.ctx.tenant}|${this.entityId}`;
    const fresh = scope !== this.loadedFor;
    if (fresh) {
      this.loadedFor = scope;
      this.registerDate = '';
      this.register = null;
      void this.loadClasses();
    }
    const ledgerChanged = changed.has('revision') && changed.get('revision') !== undefined && this.revision;
    // the ledger reloaded (say after "Add share class…"): the classes may have changed too
    if (ledgerChanged && !fresh) void this.loadClasses(true);
    if (this.draft.effective_from !== this.registerDate || ledgerChanged) {
      this.registerDate = this.draft.effective_from;
      this.later('register', () => void this.loadRegister(this.registerDate), 250);
    }
  }

  private later(name: string, fn: () => void, ms: number): void {
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(fn, ms);
  }

  /** A number for the latest request of `name`: older answers are dropped. */
  private next(name: string): number {
    this.seqs[name] = (this.seqs[name] ?? 0) + 1;
    return this.seqs[name];
  }

  /** `quiet`: keep the classes shown until the new list is in (a reload behind the open form). */
  private async loadClasses(quiet = false): Promise<void> {
    const seq = this.next('classes');
    if (!quiet || this.classes.state !== 'ok') this.classes = { state: 'loading' };
    try {
      const r = await this.ctx.api.get<ShareClass[] | { items: ShareClass[] }>(tenantPath(this.ctx, `/entities/${this.entityId}/share-classes`));
      if (seq !== this.seqs.classes) return;
      const value = Array.isArray(r) ? r : r.items ?? [];
      this.classes = { state: 'ok', value };
      if (value.length === 1 && !this.draft.share_class_id) this.change((d) => ({ ...d, share_class_id: value[0].id }));
    } catch (error) {
      if (seq === this.seqs.classes) this.classes = { state: 'error', error };
    }
    await this.updateComplete;
    this.resolveReady();
  }

  private async loadRegister(date: string): Promise<void> {
    const seq = this.next('register');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      this.register = null;
      return;
    }
    try {
      const r = await this.ctx.api.get<{ items: RegisterLine[] }>(tenantPath(this.ctx, `/entities/${this.entityId}/register`), { as_of: date });
      if (seq === this.seqs.register) this.register = { date, lines: r.items };
    } catch {
      // The quick choices are a convenience: the search still finds every holder.
      if (seq === this.seqs.register) this.register = null;
    }
  }

  private search(side: Side, q: string): void {
    this.later(side, async () => {
      const seq = this.next(side);
      let found: HolderMatch[] | null = null;
      try {
        // an entity does not hold its own shares here: leave it out
        found = q.trim() ? (await searchHolders(this.ctx, q, 8)).filter((m) => m.holder.entity_id !== this.entityId) : null;
      } catch {
        found = null;
      }
      if (seq === this.seqs[side]) this.found = { ...this.found, [side]: found };
    }, 200);
  }

  /** Applies a change here (to render it now) and on the entity page (which keeps it). */
  private change(fn: (d: RecordDraft) => RecordDraft): void {
    this.draft = fn(this.draft);
    this.onChange?.(this.draft.key, fn);
  }

  /** Sets values; a field typed in loses its message. */
  private set(values: Partial<RecordDraft>, field?: RecordField): void {
    this.change((d) => {
      const errors = { ...d.errors };
      if (field) delete errors[field];
      return { ...d, ...values, errors };
    });
  }

  private pick(side: Side, pick: HolderPick): void {
    this.set(side === 'from' ? { from: pick, fromQuery: pick.name } : { to: pick, toQuery: pick.name }, SIDE_FIELD[side]);
    this.found = { ...this.found, [side]: null };
  }

  private async focusOn(selector: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  /** Focus on the form's first field (or, without a form, on its heading). */
  focusFirst(): void {
    const first = this.renderRoot.querySelector<HTMLElement>(`#${ID.kind}`) ?? this.renderRoot.querySelector<HTMLElement>('#record-h');
    first?.focus();
  }

  private async submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const d = this.draft;
    if (d.busy) return;
    const problems = recordProblems(d);
    const first = firstInvalid(d.kind, problems);
    if (first) {
      this.change((x) => ({ ...x, errors: problems, summary: [] }));
      void this.focusOn(`#${ID[first]}`);
      return;
    }
    this.change((x) => ({ ...x, busy: true, errors: {}, summary: [] }));
    let recorded: ShareTransaction;
    try {
      recorded = await this.ctx.api.post<ShareTransaction>(tenantPath(this.ctx, '/share-transactions'), recordBody(d), { 'Idempotency-Key': d.key });
    } catch (error) {
      const refusal = recordRefusal(error, d.kind, describeError);
      const fn = (x: RecordDraft) => ({ ...x, busy: false, errors: refusal.errors, summary: refusal.summary });
      if (this.draft.key === d.key) this.draft = fn(this.draft);
      this.onChange?.(d.key, fn);
      const invalid = firstInvalid(d.kind, refusal.errors);
      void this.focusOn(invalid ? `#${ID[invalid]}` : '#tx-errors');
      return;
    }
    this.onRecorded?.(d.key, recorded);
  }

  private onKeydown(ev: KeyboardEvent): void {
    if (ev.key !== 'Escape') return;
    // Escape in a holder search first closes its list of matches
    const side = (ev.composedPath()[0] as HTMLElement | undefined)?.dataset?.side as Side | undefined;
    if (side && this.found[side]) {
      this.found = { ...this.found, [side]: null };
      ev.stopPropagation();
      return;
    }
    if (!this.draft.busy) {
      ev.stopPropagation();
      this.onCancel?.();
    }
  }

  private described(field: RecordField, ...more: string[]): string {
    return [...more, this.draft.errors[field] ? `${ID[field]}-error` : ''].filter(Boolean).join(' ');
  }

  private invalid(field: RecordField): 'true' | 'false' {
    return this.draft.errors[field] ? 'true' : 'false';
  }

  private errorLine(field: RecordField) {
    const message = this.draft.errors[field];
    return message ? html`<p class="error" id="${ID[field]}-error" data-error-for=${field}>${message}</p>` : nothing;
  }

  private classLabel(id: string): string {
    return this.classes.state === 'ok' ? this.classes.value.find((c) => c.id === id)?.name ?? '' : '';
  }

  private renderHolder(side: Side) {
    const d = this.draft;
    const field = SIDE_FIELD[side];
    const id = ID[field];
    const label = side === 'from' ? strings.ledgerRecordFrom : strings.ledgerRecordTo;
    const picked = side === 'from' ? d.from : d.to;
    const query = side === 'from' ? d.fromQuery : d.toQuery;
    const matches = this.found[side];
    const reg = this.register && this.register.date === d.effective_from ? this.register : null;
    const cls = this.classLabel(d.share_class_id);
    // the register's holders of the class, as quick choices for From
    const holdings = side === 'from' && reg && d.share_class_id ? holdingsOf(reg.lines, d.share_class_id) : null;
    let pickedText = '';
    if (picked) {
      pickedText = strings.ledgerRecordPicked(picked.name);
      if (side === 'from' && reg && d.share_class_id) {
        const held = sharesHeld(reg.lines, d.share_class_id, picked.holder);
        pickedText = held > 0
          ? strings.ledgerRecordPickedHolding(picked.name, held.toLocaleString(), reg.date)
          : strings.ledgerRecordPickedNone(picked.name, cls, reg.date);
      }
    }
    const count = matches === null ? '' : matches.length ? strings.ledgerRecordMatchCount(matches.length) : strings.ledgerRecordNoMatches;
    return html`<div class="field" data-field=${field}>
      <label for=${id}>${label}</label>
      <input id=${id} name=${field} type="text" autocomplete="off" data-side=${side} .value=${query}
        aria-invalid=${this.invalid(field)} aria-describedby=${this.described(field, `${id}-hint`, picked ? `${id}-picked` : '')}
        @input=${(ev: Event) => {
          const v = (ev.target as HTMLInputElement).value;
          this.set(side === 'from' ? { fromQuery: v, from: null } : { toQuery: v, to: null }, field);
          this.search(side, v);
        }} />
      <p class="hint" id="${id}-hint">${side === 'from' ? strings.ledgerRecordFromHint : strings.ledgerRecordToHint}</p>
      ${this.errorLine(field)}
      <p class=${matches?.length ? 'count sr-only' : 'count muted'} role="status">${count}</p>
      ${matches?.length ? html`<ul class="options" aria-label=${strings.ledgerRecordMatches(label)}>${rankMatches(matches, reg?.lines ?? null, d.share_class_id).map(({ match: m, held }) => html`<li>
          <button type="button" data-side=${side} @click=${() => { this.pick(side, { holder: m.holder, name: m.name }); void this.focusOn(`#${id}`); }}>${m.name} · ${m.kind}${held > 0 ? ` · ${strings.ledgerRecordHolds(held.toLocaleString())}` : ''}</button></li>`)}</ul>`
        : nothing}
      ${holdings ? holdings.length
          ? html`<div class="current"><p id="tx-from-current" class="muted">${strings.ledgerRecordCurrent(cls, reg!.date)}</p>
              <ul class="holdings" aria-labelledby="tx-from-current">${holdings.map((h) => html`<li>
                <button type="button" aria-pressed=${holderKey(h.holder) === holderKey(picked?.holder) ? 'true' : 'false'}
                  @click=${() => this.pick('from', { holder: h.holder, name: h.name })}>${h.name} · ${strings.ledgerRecordHolding(h.shares.toLocaleString())}</button></li>`)}</ul></div>`
          : html`<p class="muted current">${strings.ledgerRecordNoCurrent(cls, reg!.date)}</p>`
        : nothing}
      ${picked ? html`<p class="picked" id="${id}-picked">${pickedText}</p>` : nothing}
    </div>`;
  }

  private renderForm(classes: ShareClass[]) {
    const d = this.draft;
    const errorCount = Object.keys(d.errors).length;
    return html`<form novalidate aria-labelledby="record-h" aria-busy=${d.busy ? 'true' : 'false'} @submit=${(ev: Event) => this.submit(ev)}>
      ${d.summary.length || errorCount
        ? html`<div class="alert error-text" id="tx-errors" role="alert" tabindex="-1"><strong>${strings.ledgerRecordFailed}</strong>
            ${d.summary.length ? html`<ul>${d.summary.map((m) => html`<li>${m}</li>`)}</ul>` : nothing}
            ${errorCount ? html`<p>${strings.ledgerRecordFixFields}</p>` : nothing}</div>`
        : nothing}
      <div class="row">
        <div class="field narrow">
          <label for=${ID.kind}>${strings.ledgerRecordKind}</label>
          <select id=${ID.kind} name="kind" aria-invalid=${this.invalid('kind')} aria-describedby=${this.described('kind') || nothing}
            @change=${(ev: Event) => {
              // another kind of transaction: the last refusal no longer applies
              const kind = (ev.target as HTMLSelectElement).value as RecordKind;
              this.change((d) => ({ ...d, kind, errors: {}, summary: [] }));
            }}>
            ${RECORD_KINDS.map((k) => html`<option value=${k} ?selected=${k === d.kind}>${strings.ledgerKinds[k]}</option>`)}
          </select>
          ${this.errorLine('kind')}
        </div>
        <div class="field">
          <label for=${ID.share_class_id}>${strings.ledgerRecordClass}</label>
          <select id=${ID.share_class_id} name="share_class_id" aria-invalid=${this.invalid('share_class_id')} aria-describedby=${this.described('share_class_id') || nothing}
            @change=${(ev: Event) => this.set({ share_class_id: (ev.target as HTMLSelectElement).value }, 'share_class_id')}>
            ${d.share_class_id ? nothing : html`<option value="" selected>${strings.ledgerRecordChooseClass}</option>`}
            ${classes.map((c) => html`<option value=${c.id} ?selected=${c.id === d.share_class_id}>${strings.ledgerRecordClassOption(c.name, c.currency, c.nominal_value)}</option>`)}
          </select>
          ${this.errorLine('share_class_id')}
        </div>
      </div>
      ${needsFrom(d.kind) ? this.renderHolder('from') : nothing}
      ${needsTo(d.kind) ? this.renderHolder('to') : nothing}
      <div class="row">
        <div class="field">
          <label for=${ID.shares}>${strings.ledgerRecordShares}</label>
          <input id=${ID.shares} name="shares" type="text" inputmode="numeric" autocomplete="off" .value=${d.shares}
            aria-invalid=${this.invalid('shares')} aria-describedby=${this.described('shares', `${ID.shares}-hint`)}
            @input=${(ev: Event) => this.set({ shares: (ev.target as HTMLInputElement).value }, 'shares')} />
          <p class="hint" id="${ID.shares}-hint">${strings.ledgerRecordSharesHint}</p>
          ${this.errorLine('shares')}
        </div>
        <div class="field">
          <label for=${ID.effective_from}>${strings.ledgerRecordEffective}</label>
          <input id=${ID.effective_from} name="effective_from" type="date" required .value=${d.effective_from}
            aria-invalid=${this.invalid('effective_from')} aria-describedby=${this.described('effective_from', `${ID.effective_from}-hint`)}
            @input=${(ev: Event) => this.set({ effective_from: (ev.target as HTMLInputElement).value }, 'effective_from')} />
          <p class="hint" id="${ID.effective_from}-hint">${strings.ledgerRecordEffectiveHint}</p>
          ${this.errorLine('effective_from')}
        </div>
      </div>
      <div class="field">
        <label for=${ID.reason}>${strings.ledgerRecordReason}</label>
        <textarea id=${ID.reason} name="reason" maxlength=${REASON_MAX} .value=${d.reason}
          aria-invalid=${this.invalid('reason')} aria-describedby=${this.described('reason', `${ID.reason}-hint`)}
          @input=${(ev: Event) => this.set({ reason: (ev.target as HTMLTextAreaElement).value }, 'reason')}></textarea>
        <p class="hint" id="${ID.reason}-hint">${strings.ledgerRecordReasonHint}</p>
        ${this.errorLine('reason')}
      </div>
      <div class="actions">
        <button type="submit" class="primary">${d.busy ? strings.ledgerRecording : strings.ledgerRecordSubmit}</button>
        <button type="button" ?disabled=${d.busy} @click=${() => this.onCancel?.()}>${strings.ledgerRecordCancel}</button>
      </div>
    </form>`;
  }

  private renderBody() {
    const c = this.classes;
    if (c.state === 'error') return errorState(c.error, () => void this.loadClasses());
    if (c.state !== 'ok') return loadingState();
    if (!c.value.length) {
      return html`<div class="state" role="status"><strong>${strings.ledgerRecordNoClass}</strong>
          <p class="muted">${strings.ledgerRecordNoClassHint}</p></div>
        <div class="no-class">
          ${this.onAddClass ? html`<button type="button" class="primary" @click=${() => this.onAddClass?.()}>${strings.classAdd}</button>` : nothing}
          <button type="button" @click=${() => this.onCancel?.()}>${strings.ledgerRecordClose}</button>
        </div>`;
    }
    return this.renderForm(c.value);
  }

  override render() {
    if (!this.draft) return nothing;
    return html`<section class="panel" aria-labelledby="record-h" @keydown=${(ev: KeyboardEvent) => this.onKeydown(ev)}>
      <h3 id="record-h" tabindex="-1">${strings.ledgerRecordTitle}</h3>
      ${this.renderBody()}
    </section>`;
  }
}
define('charter-record-transaction', RecordTransaction);
