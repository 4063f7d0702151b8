/**
 * The share ledger's "Record transaction…" form (an issuance, a transfer or
 * a cancellation), loaded on demand by the entity page. The entity page
 * keeps the form's draft (so nothing typed is lost while the page reloads);
 * this element loads what the form offers (the entity's classes, the
 * register at the effective date, holders matching a search), checks the
 * draft, posts it and shows a refusal next to its fields (what the ledger's
 * inline forms do alike is `InlineForm`'s).
 */
import { html, css, nothing, type PropertyValues } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath } from '../context.ts';
import { define } from '../define.ts';
import { errorState, loadingState, type Load } from '../ui.ts';
import { holderKey, searchHolders, type HolderMatch } from '../holders.ts';
import { REASON_MAX } from '../ledger.ts';
import {
  RECORD_KINDS, holdingsOf, needsFrom, needsTo, rankMatches, recordBody, recordFields, recordProblems, sharesHeld,
  type HolderPick, type RecordDraft, type RecordField, type RecordKind,
} from '../record-transaction.ts';
import type { RegisterLine, ShareClass, ShareTransaction } from '../types.ts';
import { InlineForm, inlineFormStyles } from './inline-form.ts';

/** Each field's element id. */
const ID: Record<RecordField, string> = {
  kind: 'tx-kind', share_class_id: 'tx-class', from_holder: 'tx-from', to_holder: 'tx-to',
  shares: 'tx-shares', effective_from: 'tx-effective', reason: 'tx-reason',
};

type Side = 'from' | 'to';
const SIDE_FIELD: Record<Side, RecordField> = { from: 'from_holder', to: 'to_holder' };

export class RecordTransaction extends InlineForm<RecordField, RecordDraft, ShareTransaction> {
  static override properties = {
    ...InlineForm.properties,
    revision: { attribute: false },
    onRecorded: { attribute: false },
    onAddClass: { attribute: false },
    classes: { state: true },
    register: { state: true },
    found: { state: true },
  };
  static override styles = [
    base,
    inlineFormStyles,
    css`
      .no-class { display: flex; gap: 0.75em; flex-wrap: wrap; }
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
    `,
  ];
  /** The ledger as last loaded: when it changes (say a reversal), the current holders are read again. */
  declare revision: unknown;
  /** Recorded (201): the entity page closes the form and reloads the ledger. */
  declare onRecorded: (key: string, transaction: ShareTransaction) => void;
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
  protected readonly ids = ID;
  protected readonly headingId = 'record-h';
  protected readonly alertId = 'tx-errors';

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

  protected get words() {
    return {
      title: strings.ledgerRecordTitle, failed: strings.ledgerRecordFailed, fixFields: strings.ledgerRecordFixFields,
      submit: strings.ledgerRecordSubmit, sending: strings.ledgerRecording, cancel: strings.ledgerRecordCancel,
    };
  }

  protected fields(d: RecordDraft): readonly RecordField[] {
    return recordFields(d.kind);
  }

  protected problems(d: RecordDraft) {
    return recordProblems(d);
  }

  protected send(d: RecordDraft): Promise<ShareTransaction> {
    return this.ctx.api.post<ShareTransaction>(tenantPath(this.ctx, '/share-transactions'), recordBody(d), { 'Idempotency-Key': d.key });
  }

  protected sent(key: string, recorded: ShareTransaction): void {
    this.onRecorded?.(key, recorded);
  }

  private pick(side: Side, pick: HolderPick): void {
    this.set(side === 'from' ? { from: pick, fromQuery: pick.name } : { to: pick, toQuery: pick.name }, SIDE_FIELD[side]);
    this.found = { ...this.found, [side]: null };
  }

  /** Escape in a holder search first closes its list of matches. */
  protected override onKeydown(ev: KeyboardEvent): void {
    if (ev.key === 'Escape') {
      const side = (ev.composedPath()[0] as HTMLElement | undefined)?.dataset?.side as Side | undefined;
      if (side && this.found[side]) {
        this.found = { ...this.found, [side]: null };
        ev.stopPropagation();
        return;
      }
    }
    super.onKeydown(ev);
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

  private renderFields(classes: ShareClass[]) {
    const d = this.draft;
    return html`
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
      </div>`;
  }

  protected renderBody() {
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
    return this.renderForm(this.renderFields(c.value));
  }
}
define('charter-record-transaction', RecordTransaction);
