/**
 * The share classes table's "Change authorised…" form, loaded on demand by
 * the entity page: a class's authorised shares (or Unlimited) from a date
 * on, with the reason (the resolution; required from before today). It
 * shows what is on record for the class, so the user sees what the change
 * replaces. The entity page keeps the form's draft (so nothing typed is lost
 * while the page reloads); this element checks the draft, posts it and shows
 * a refusal next to its fields (what the ledger's inline forms do alike is
 * `InlineForm`'s).
 */
import { html, css } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { tenantPath } from '../context.ts';
import { define } from '../define.ts';
import { REASON_MAX } from '../ledger.ts';
import { localToday } from '../record-transaction.ts';
import {
  AUTHORISED_FIELDS, authorisedBody, authorisedHistoryText, authorisedProblems, isCorrection, type AuthorisedDraft, type AuthorisedField,
} from '../authorised-capital.ts';
import type { ShareClass } from '../types.ts';
import { InlineForm, authorisedFieldStyles, inlineFormStyles } from './inline-form.ts';

/** Each field's element id. */
const ID: Record<AuthorisedField, string> = { authorised_shares: 'auth-shares', effective_from: 'auth-effective', reason: 'auth-reason' };
const UNLIMITED = 'auth-unlimited';
const HISTORY = 'auth-history';

export class ChangeAuthorised extends InlineForm<AuthorisedField, AuthorisedDraft, ShareClass> {
  static override properties = {
    ...InlineForm.properties,
    shareClass: { attribute: false },
    onChanged: { attribute: false },
  };
  static override styles = [
    base,
    inlineFormStyles,
    authorisedFieldStyles,
    css`
      .on-record { margin: 0 0 0.9em; }
      input[type='date'] { width: auto; }
    `,
  ];
  /** The class changed: its name and its authorised capital on record. */
  declare shareClass: ShareClass;
  /** Changed (200): the entity page closes the form and reloads the classes and the ledger. */
  declare onChanged: (key: string, shareClass: ShareClass) => void;
  protected readonly ids = ID;
  protected readonly headingId = 'authorised-h';
  protected readonly alertId = 'auth-errors';

  protected get words() {
    return {
      title: strings.authorisedTitle(this.shareClass?.name ?? ''), failed: strings.authorisedFailed, fixFields: strings.authorisedFixFields,
      submit: strings.authorisedSubmit, sending: strings.authorisedSending, cancel: strings.authorisedCancel,
    };
  }

  protected fields(): readonly AuthorisedField[] {
    return AUTHORISED_FIELDS;
  }

  protected problems(d: AuthorisedDraft) {
    return authorisedProblems(d, localToday());
  }

  protected send(d: AuthorisedDraft): Promise<ShareClass> {
    // A change says what holds from its date on: sent twice, it changes nothing more (no Idempotency-Key needed).
    return this.ctx.api.post<ShareClass>(tenantPath(this.ctx, `/share-classes/${d.classId}/authorised-capital`), authorisedBody(d));
  }

  protected sent(key: string, changed: ShareClass): void {
    this.onChanged?.(key, changed);
  }

  /** Where the focus goes for a field in error (the authorised shares, when Unlimited is ticked: the tick box). */
  protected override selectorOf(field: AuthorisedField): string {
    return field === 'authorised_shares' && this.draft.unlimited ? `#${UNLIMITED}` : super.selectorOf(field);
  }

  /** A new date loses its message, and the reason its "required" one once the date is no longer before today. */
  private setDate(value: string): void {
    this.change((d) => {
      const errors = { ...d.errors };
      delete errors.effective_from;
      if (errors.reason === strings.authorisedReasonRequired && !isCorrection({ effective_from: value }, localToday())) delete errors.reason;
      return { ...d, effective_from: value, errors };
    });
  }

  protected renderBody() {
    const d = this.draft;
    const onRecord = this.shareClass ? authorisedHistoryText(this.shareClass) : '';
    const authorisedInvalid = this.invalid('authorised_shares');
    const sharesHints = [`${ID.authorised_shares}-hint`, onRecord ? HISTORY : ''].filter(Boolean).join(' ');
    return html`<p class="on-record" id=${HISTORY}>${onRecord
        ? html`<strong>${strings.authorisedOnRecord}</strong> <span data-authorised-history>${onRecord}</span>`
        : strings.authorisedNoneOnRecord}</p>
      ${this.renderForm(html`
      <div class="field" data-field="authorised_shares">
        <label for=${ID.authorised_shares}>${strings.authorisedShares}</label>
        <div class="authorised">
          <input id=${ID.authorised_shares} name="authorised_shares" type="text" inputmode="numeric" autocomplete="off"
            .value=${d.authorised_shares} ?disabled=${d.unlimited}
            aria-invalid=${d.unlimited ? 'false' : authorisedInvalid} aria-describedby=${this.described('authorised_shares', sharesHints)}
            @input=${(ev: Event) => this.set({ authorised_shares: (ev.target as HTMLInputElement).value }, 'authorised_shares')} />
          <label class="check" for=${UNLIMITED}>
            <input id=${UNLIMITED} name="unlimited" type="checkbox" .checked=${d.unlimited}
              aria-invalid=${d.unlimited ? authorisedInvalid : 'false'}
              aria-describedby=${d.unlimited ? this.described('authorised_shares', `${ID.authorised_shares}-hint`) : `${ID.authorised_shares}-hint`}
              @change=${(ev: Event) => this.set({ unlimited: (ev.target as HTMLInputElement).checked }, 'authorised_shares')} />
            ${strings.classUnlimitedLabel}</label>
        </div>
        <p class="hint" id="${ID.authorised_shares}-hint">${strings.authorisedSharesHint}</p>
        ${this.errorLine('authorised_shares')}
      </div>
      <div class="field" data-field="effective_from">
        <label for=${ID.effective_from}>${strings.authorisedFrom}</label>
        <input id=${ID.effective_from} name="effective_from" type="date" required .value=${d.effective_from}
          aria-invalid=${this.invalid('effective_from')} aria-describedby=${this.described('effective_from', `${ID.effective_from}-hint`)}
          @input=${(ev: Event) => this.setDate((ev.target as HTMLInputElement).value)} />
        <p class="hint" id="${ID.effective_from}-hint">${strings.authorisedFromHint}</p>
        ${this.errorLine('effective_from')}
      </div>
      <div class="field" data-field="reason">
        <label for=${ID.reason}>${strings.authorisedReason}</label>
        <textarea id=${ID.reason} name="reason" maxlength=${REASON_MAX} .value=${d.reason}
          aria-required=${isCorrection(d, localToday()) ? 'true' : 'false'}
          aria-invalid=${this.invalid('reason')} aria-describedby=${this.described('reason', `${ID.reason}-hint`)}
          @input=${(ev: Event) => this.set({ reason: (ev.target as HTMLTextAreaElement).value }, 'reason')}></textarea>
        <p class="hint" id="${ID.reason}-hint">${strings.authorisedReasonHint}</p>
        ${this.errorLine('reason')}
      </div>`)}`;
  }
}
define('charter-change-authorised', ChangeAuthorised);
