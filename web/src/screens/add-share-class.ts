/**
 * The share ledger's "Add share class…" form, loaded on demand by the entity
 * page. The entity page keeps the form's draft (so nothing typed is lost
 * while the page reloads); this element checks the draft, posts it and shows
 * a refusal next to its fields (what the ledger's inline forms do alike is
 * `InlineForm`'s).
 */
import { html, css, nothing } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath } from '../context.ts';
import { define } from '../define.ts';
import { REASON_MAX } from '../ledger.ts';
import { CLASS_FIELDS, CLASS_NAME_MAX, classBody, classProblems, type ClassDraft, type ClassField } from '../share-class.ts';
import type { ShareClass } from '../types.ts';
import { InlineForm, authorisedFieldStyles, inlineFormStyles } from './inline-form.ts';

/** Each field's element id. */
const ID: Record<ClassField, string> = {
  name: 'cls-name', currency: 'cls-currency', nominal_value: 'cls-nominal', votes_per_share: 'cls-votes',
  authorised_shares: 'cls-authorised', effective_from: 'cls-effective', reason: 'cls-reason',
};
const UNLIMITED = 'cls-unlimited';

export class AddShareClass extends InlineForm<ClassField, ClassDraft, ShareClass> {
  static override properties = {
    ...InlineForm.properties,
    existing: { attribute: false },
    onAdded: { attribute: false },
  };
  static override styles = [
    base,
    inlineFormStyles,
    authorisedFieldStyles,
    css`
      .row { align-items: flex-start; }
      .row > .field.narrow { flex: 0 1 11em; }
    `,
  ];
  /** The entity's class names: a second class of the same name is refused before sending. */
  declare existing: string[];
  /** Added (201): the entity page closes the form and reloads the classes and the ledger. */
  declare onAdded: (key: string, shareClass: ShareClass) => void;
  protected readonly ids = ID;
  protected readonly headingId = 'class-h';
  protected readonly alertId = 'cls-errors';

  constructor() {
    super();
    this.existing = [];
  }

  protected get words() {
    return {
      title: strings.classAddTitle, failed: strings.classFailed, fixFields: strings.classFixFields,
      submit: strings.classSubmit, sending: strings.classAdding, cancel: strings.classCancel,
    };
  }

  protected fields(): readonly ClassField[] {
    return CLASS_FIELDS;
  }

  protected problems(d: ClassDraft) {
    return classProblems(d, this.existing);
  }

  protected send(d: ClassDraft): Promise<ShareClass> {
    return this.ctx.api.post<ShareClass>(tenantPath(this.ctx, `/entities/${this.entityId}/share-classes`), classBody(d), { 'Idempotency-Key': d.key });
  }

  protected sent(key: string, added: ShareClass): void {
    this.onAdded?.(key, added);
  }

  /** Where the focus goes for a field in error (the authorised shares, when Unlimited is ticked: the tick box). */
  protected override selectorOf(field: ClassField): string {
    return field === 'authorised_shares' && this.draft.unlimited ? `#${UNLIMITED}` : super.selectorOf(field);
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

  protected renderBody() {
    const d = this.draft;
    const authorisedInvalid = this.invalid('authorised_shares');
    return this.renderForm(html`
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
              aria-describedby=${d.unlimited ? this.described('authorised_shares', `${ID.authorised_shares}-hint`) : `${ID.authorised_shares}-hint`}
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
      </div>`);
  }
}
define('charter-add-share-class', AddShareClass);
