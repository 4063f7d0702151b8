/**
 * The share ledger's "Add share class…" form, loaded on demand by the entity
 * page. The entity page keeps the form's draft (so nothing typed is lost
 * while the page reloads); this element checks the draft, posts it and shows
 * a refusal next to its fields.
 */
import { LitElement, html, css, nothing } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath, type AppContext } from '../context.ts';
import { define } from '../define.ts';
import { describeError } from '../ui.ts';
import { REASON_MAX } from '../ledger.ts';
import { CLASS_NAME_MAX, classBody, classProblems, classRefusal, firstInvalidClass, type ClassDraft, type ClassField } from '../share-class.ts';
import type { ShareClass } from '../types.ts';

/** Each field's element id. */
const ID: Record<ClassField, string> = {
  name: 'cls-name', currency: 'cls-currency', nominal_value: 'cls-nominal', votes_per_share: 'cls-votes',
  authorised_shares: 'cls-authorised', effective_from: 'cls-effective', reason: 'cls-reason',
};
const UNLIMITED = 'cls-unlimited';

export class AddShareClass extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    entityId: { attribute: false },
    draft: { attribute: false },
    existing: { attribute: false },
    onChange: { attribute: false },
    onAdded: { attribute: false },
    onCancel: { attribute: false },
  };
  static override styles = [
    base,
    css`
      section.panel { border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); background: var(--charter-surface, #f4f6f8); padding: 0.9em 1em; margin: 0 0 1em; max-width: 52em; }
      h3 { font-size: 1.1em; }
      h3:focus { outline: none; }
      h3:focus-visible { outline: 3px solid var(--charter-focus, #f5a623); }
      .alert { margin: 0 0 0.9em; padding: 0.5em 0.8em; border: 1px solid var(--charter-danger, #b3261e); border-radius: var(--charter-radius, 6px); background: var(--charter-bg, #ffffff); }
      .alert ul { margin: 0.2em 0 0; padding-left: 1.2em; }
      .alert p { margin: 0.2em 0 0; }
      input[type='text'], textarea { width: 100%; }
      textarea { min-height: 3.5em; }
      .row { align-items: flex-start; }
      .row > .field.narrow { flex: 0 1 11em; }
      .authorised { display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
      .authorised input[type='text'] { width: 14em; }
      .authorised input:disabled { background: var(--charter-surface, #f4f6f8); }
      label.check { display: inline-flex; gap: 0.4em; align-items: center; font-weight: 400; margin: 0; }
      label.check input { width: auto; margin: 0; }
      .actions { display: flex; gap: 0.75em; flex-wrap: wrap; margin-top: 0.4em; }
    `,
  ];
  declare ctx: AppContext;
  declare entityId: string;
  declare draft: ClassDraft;
  /** The entity's class names: a second class of the same name is refused before sending. */
  declare existing: string[];
  /** Applies `change` to the draft of the opening `key` (the entity page keeps the draft). */
  declare onChange: (key: string, change: (d: ClassDraft) => ClassDraft) => void;
  /** Added (201): the entity page closes the form and reloads the classes and the ledger. */
  declare onAdded: (key: string, shareClass: ShareClass) => void;
  declare onCancel: () => void;

  constructor() {
    super();
    this.existing = [];
  }

  /** Applies a change here (to render it now) and on the entity page (which keeps it). */
  private change(fn: (d: ClassDraft) => ClassDraft): void {
    this.draft = fn(this.draft);
    this.onChange?.(this.draft.key, fn);
  }

  /** Sets values; a field typed in loses its message. */
  private set(values: Partial<ClassDraft>, field: ClassField): void {
    this.change((d) => {
      const errors = { ...d.errors };
      delete errors[field];
      return { ...d, ...values, errors };
    });
  }

  private async focusOn(selector: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  /** Where the focus goes for a field in error (the authorised shares, when Unlimited is ticked: the tick box). */
  private selectorOf(field: ClassField): string {
    return field === 'authorised_shares' && this.draft.unlimited ? `#${UNLIMITED}` : `#${ID[field]}`;
  }

  /** Focus on the form's first field. */
  focusFirst(): void {
    (this.renderRoot.querySelector<HTMLElement>(`#${ID.name}`) ?? this.renderRoot.querySelector<HTMLElement>('#class-h'))?.focus();
  }

  private async submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const d = this.draft;
    if (d.busy) return;
    const problems = classProblems(d, this.existing);
    const first = firstInvalidClass(problems);
    if (first) {
      this.change((x) => ({ ...x, errors: problems, summary: [] }));
      void this.focusOn(this.selectorOf(first));
      return;
    }
    this.change((x) => ({ ...x, busy: true, errors: {}, summary: [] }));
    let added: ShareClass;
    try {
      added = await this.ctx.api.post<ShareClass>(tenantPath(this.ctx, `/entities/${this.entityId}/share-classes`), classBody(d), { 'Idempotency-Key': d.key });
    } catch (error) {
      const refusal = classRefusal(error, describeError);
      const fn = (x: ClassDraft) => ({ ...x, busy: false, errors: refusal.errors, summary: refusal.summary });
      if (this.draft.key === d.key) this.draft = fn(this.draft);
      this.onChange?.(d.key, fn);
      const invalid = firstInvalidClass(refusal.errors);
      void this.focusOn(invalid ? this.selectorOf(invalid) : '#cls-errors');
      return;
    }
    this.onAdded?.(d.key, added);
  }

  private onKeydown(ev: KeyboardEvent): void {
    if (ev.key !== 'Escape' || this.draft.busy) return;
    ev.stopPropagation();
    this.onCancel?.();
  }

  private described(field: ClassField, ...more: string[]): string {
    return [...more, this.draft.errors[field] ? `${ID[field]}-error` : ''].filter(Boolean).join(' ');
  }

  private invalid(field: ClassField): 'true' | 'false' {
    return this.draft.errors[field] ? 'true' : 'false';
  }

  private errorLine(field: ClassField) {
    const message = this.draft.errors[field];
    return message ? html`<p class="error" id="${ID[field]}-error" data-error-for=${field}>${message}</p>` : nothing;
  }

  /** A one-line text field. */
  private text(field: Exclude<ClassField, 'reason' | 'effective_from' | 'authorised_shares'>, label: string, hint: string, extra: { inputmode?: string; maxlength?: number; narrow?: boolean } = {}) {
    const id = ID[field];
    return html`<div class=${extra.narrow ? 'field narrow' : 'field'} data-field=${field}>
      <label for=${id}>${label}</label>
      <input id=${id} name=${field} type="text" autocomplete="off" inputmode=${extra.inputmode ?? nothing} maxlength=${extra.maxlength ?? nothing}
        .value=${this.draft[field]} aria-invalid=${this.invalid(field)} aria-describedby=${this.described(field, `${id}-hint`)}
        @input=${(ev: Event) => this.set({ [field]: (ev.target as HTMLInputElement).value } as Partial<ClassDraft>, field)} />
      <p class="hint" id="${id}-hint">${hint}</p>
      ${this.errorLine(field)}
    </div>`;
  }

  private renderForm() {
    const d = this.draft;
    const errorCount = Object.keys(d.errors).length;
    const authorisedInvalid = this.invalid('authorised_shares');
    return html`<form novalidate aria-labelledby="class-h" aria-busy=${d.busy ? 'true' : 'false'} @submit=${(ev: Event) => this.submit(ev)}>
      ${d.summary.length || errorCount
        ? html`<div class="alert error-text" id="cls-errors" role="alert" tabindex="-1"><strong>${strings.classFailed}</strong>
            ${d.summary.length ? html`<ul>${d.summary.map((m) => html`<li>${m}</li>`)}</ul>` : nothing}
            ${errorCount ? html`<p>${strings.classFixFields}</p>` : nothing}</div>`
        : nothing}
      <div class="row">
        ${this.text('name', strings.className, strings.classNameHint, { maxlength: CLASS_NAME_MAX })}
        ${this.text('currency', strings.classCurrency, strings.classCurrencyHint, { maxlength: 3, narrow: true })}
      </div>
      <div class="row">
        ${this.text('nominal_value', strings.classNominal, strings.classNominalHint, { inputmode: 'decimal' })}
        ${this.text('votes_per_share', strings.classVotes, strings.classVotesHint, { inputmode: 'decimal' })}
      </div>
      <div class="field" data-field="authorised_shares">
        <label for=${ID.authorised_shares}>${strings.classAuthorised}</label>
        <div class="authorised">
          <input id=${ID.authorised_shares} name="authorised_shares" type="text" inputmode="numeric" autocomplete="off"
            .value=${d.authorised_shares} ?disabled=${d.unlimited}
            aria-invalid=${d.unlimited ? 'false' : authorisedInvalid} aria-describedby=${this.described('authorised_shares', `${ID.authorised_shares}-hint`)}
            @input=${(ev: Event) => this.set({ authorised_shares: (ev.target as HTMLInputElement).value }, 'authorised_shares')} />
          <label class="check" for=${UNLIMITED}>
            <input id=${UNLIMITED} name="unlimited" type="checkbox" .checked=${d.unlimited}
              aria-invalid=${d.unlimited ? authorisedInvalid : 'false'}
              aria-describedby=${[`${ID.authorised_shares}-hint`, d.unlimited && d.errors.authorised_shares ? `${ID.authorised_shares}-error` : ''].filter(Boolean).join(' ')}
              @change=${(ev: Event) => this.set({ unlimited: (ev.target as HTMLInputElement).checked }, 'authorised_shares')} />
            ${strings.classUnlimitedLabel}</label>
        </div>
        <p class="hint" id="${ID.authorised_shares}-hint">${strings.classAuthorisedHint}</p>
        ${this.errorLine('authorised_shares')}
      </div>
      <div class="row">
        <div class="field" data-field="effective_from">
          <label for=${ID.effective_from}>${strings.classEffective}</label>
          <input id=${ID.effective_from} name="effective_from" type="date" required .value=${d.effective_from}
            aria-invalid=${this.invalid('effective_from')} aria-describedby=${this.described('effective_from', `${ID.effective_from}-hint`)}
            @input=${(ev: Event) => this.set({ effective_from: (ev.target as HTMLInputElement).value }, 'effective_from')} />
          <p class="hint" id="${ID.effective_from}-hint">${strings.classEffectiveHint}</p>
          ${this.errorLine('effective_from')}
        </div>
      </div>
      <div class="field" data-field="reason">
        <label for=${ID.reason}>${strings.classReason}</label>
        <textarea id=${ID.reason} name="reason" maxlength=${REASON_MAX} .value=${d.reason}
          aria-invalid=${this.invalid('reason')} aria-describedby=${this.described('reason', `${ID.reason}-hint`)}
          @input=${(ev: Event) => this.set({ reason: (ev.target as HTMLTextAreaElement).value }, 'reason')}></textarea>
        <p class="hint" id="${ID.reason}-hint">${strings.classReasonHint}</p>
        ${this.errorLine('reason')}
      </div>
      <div class="actions">
        <button type="submit" class="primary">${d.busy ? strings.classAdding : strings.classSubmit}</button>
        <button type="button" ?disabled=${d.busy} @click=${() => this.onCancel?.()}>${strings.classCancel}</button>
      </div>
    </form>`;
  }

  override render() {
    if (!this.draft) return nothing;
    return html`<section class="panel" aria-labelledby="class-h" @keydown=${(ev: KeyboardEvent) => this.onKeydown(ev)}>
      <h3 id="class-h" tabindex="-1">${strings.classAddTitle}</h3>
      ${this.renderForm()}
    </section>`;
  }
}
define('charter-add-share-class', AddShareClass);
