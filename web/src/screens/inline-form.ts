/**
 * What the share ledger's inline forms ("Record transaction…", "Add share
 * class…") do alike. The entity page keeps a form's draft (so nothing typed
 * is lost while the page reloads): a change applies here and there. The form
 * shows a panel with its heading, an alert and its fields with their error
 * lines; a submit runs the form's own checks, then sends the draft, and a
 * refusal's messages go next to their fields (the focus to the first one, or
 * to the alert); Escape cancels. Each form gives its fields, checks, request,
 * words and body.
 */
import { LitElement, html, css, nothing, type TemplateResult } from 'lit';
import type { AppContext } from '../context.ts';
import { describeError } from '../ui.ts';
import { firstInvalidField, formRefusal, type FormDraft } from '../ledger.ts';
import { ariaInvalid, describedBy, errorLine, type FieldIds } from '../form-fields.ts';

/** A form's own words. */
export interface FormWords {
  /** The panel's heading. */
  title: string;
  /** The alert's first line. */
  failed: string;
  /** The alert's line while fields are marked. */
  fixFields: string;
  submit: string;
  /** The submit button's text while the draft is sent. */
  sending: string;
  cancel: string;
}

/** The panel, its heading, the alert, the text fields and the buttons (after `base`, before each form's own styles). */
export const inlineFormStyles = css`
  section.panel { border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); background: var(--charter-surface, #f4f6f8); padding: 0.9em 1em; margin: 0 0 1em; max-width: 52em; }
  h3 { font-size: 1.1em; }
  h3:focus { outline: none; }
  h3:focus-visible { outline: 3px solid var(--charter-focus, #f5a623); }
  .alert { margin: 0 0 0.9em; padding: 0.5em 0.8em; border: 1px solid var(--charter-danger, #b3261e); border-radius: var(--charter-radius, 6px); background: var(--charter-bg, #ffffff); }
  .alert ul { margin: 0.2em 0 0; padding-left: 1.2em; }
  .alert p { margin: 0.2em 0 0; }
  input[type='text'], textarea { width: 100%; }
  textarea { min-height: 3.5em; }
  .actions { display: flex; gap: 0.75em; flex-wrap: wrap; margin-top: 0.4em; }
`;

/** An authorised-shares field with its "Unlimited" checkbox (the class forms). */
export const authorisedFieldStyles = css`
  .authorised { display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
  .authorised input[type='text'] { width: 14em; }
  .authorised input:disabled { background: var(--charter-surface, #f4f6f8); }
  label.check { display: inline-flex; gap: 0.4em; align-items: center; font-weight: 400; margin: 0; }
  label.check input { width: auto; margin: 0; }
`;

/**
 * An inline form of fields `F` with the draft `D`, sending it for a `T`.
 * Each form gives `ids`, `headingId`, `alertId`, `words`, `fields`,
 * `problems`, `send`, `sent` and `renderBody`.
 */
export abstract class InlineForm<F extends string, D extends FormDraft<F>, T> extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    entityId: { attribute: false },
    draft: { attribute: false },
    onChange: { attribute: false },
    onCancel: { attribute: false },
  };
  declare ctx: AppContext;
  declare entityId: string;
  declare draft: D;
  /** Applies `change` to the draft of the opening `key` (the entity page keeps the draft). */
  declare onChange: (key: string, change: (d: D) => D) => void;
  declare onCancel: () => void;

  /** Each field's element id. */
  protected abstract readonly ids: FieldIds<F>;
  protected abstract readonly headingId: string;
  protected abstract readonly alertId: string;
  protected abstract get words(): FormWords;
  /** The fields the form shows, in form order: they take a refusal's messages, the first in error takes the focus. */
  protected abstract fields(d: D): readonly F[];
  /** The form's own checks before anything is sent: field → message (empty when it may be sent). */
  protected abstract problems(d: D): Partial<Record<F, string>>;
  /** Sends the checked draft (with its key as `Idempotency-Key`). */
  protected abstract send(d: D): Promise<T>;
  /** Sent: tells the entity page. */
  protected abstract sent(key: string, value: T): void;
  /** The panel's content under the heading (the form, `renderForm`). */
  protected abstract renderBody(): unknown;

  /** Where the focus goes for a field in error. */
  protected selectorOf(field: F): string {
    return `#${this.ids[field]}`;
  }

  /** Applies a change here (to render it now) and on the entity page (which keeps it). */
  protected change(fn: (d: D) => D): void {
    this.draft = fn(this.draft);
    this.onChange?.(this.draft.key, fn);
  }

  /** Sets values; a field typed in loses its message. */
  protected set(values: Partial<D>, field?: F): void {
    this.change((d) => {
      const errors = { ...d.errors };
      if (field) delete errors[field];
      return { ...d, ...values, errors };
    });
  }

  protected async focusOn(selector: string): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  /** Focus on the form's first field (or, without a form, on its heading). */
  focusFirst(): void {
    const first = this.draft ? this.fields(this.draft)[0] : undefined;
    const field = first ? this.renderRoot.querySelector<HTMLElement>(`#${this.ids[first]}`) : null;
    (field ?? this.renderRoot.querySelector<HTMLElement>(`#${this.headingId}`))?.focus();
  }

  private async submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const d = this.draft;
    if (d.busy) return;
    const fields = this.fields(d);
    const problems = this.problems(d);
    const first = firstInvalidField(fields, problems);
    if (first) {
      this.change((x) => ({ ...x, errors: problems, summary: [] }));
      void this.focusOn(this.selectorOf(first));
      return;
    }
    this.change((x) => ({ ...x, busy: true, errors: {}, summary: [] }));
    let value: T;
    try {
      value = await this.send(d);
    } catch (error) {
      const refusal = formRefusal(error, fields, describeError);
      const fn = (x: D) => ({ ...x, busy: false, errors: refusal.errors, summary: refusal.summary });
      if (this.draft.key === d.key) this.draft = fn(this.draft);
      this.onChange?.(d.key, fn);
      const invalid = firstInvalidField(fields, refusal.errors);
      void this.focusOn(invalid ? this.selectorOf(invalid) : `#${this.alertId}`);
      return;
    }
    this.sent(d.key, value);
  }

  /** Escape cancels the form, unless it is sending. */
  protected onKeydown(ev: KeyboardEvent): void {
    if (ev.key !== 'Escape' || this.draft.busy) return;
    ev.stopPropagation();
    this.onCancel?.();
  }

  protected described(field: F, ...more: string[]): string {
    return describedBy(this.ids, this.draft.errors, field, ...more);
  }

  protected invalid(field: F): 'true' | 'false' {
    return ariaInvalid(this.draft.errors, field);
  }

  protected errorLine(field: F) {
    return errorLine(this.ids, this.draft.errors, field);
  }

  /** The form: the alert (a refusal's messages, or a line while fields are marked), `fields`, then submit and cancel. */
  protected renderForm(fields: TemplateResult) {
    const d = this.draft;
    const words = this.words;
    const errorCount = Object.keys(d.errors).length;
    return html`<form novalidate aria-labelledby=${this.headingId} aria-busy=${d.busy ? 'true' : 'false'} @submit=${(ev: Event) => this.submit(ev)}>
      ${d.summary.length || errorCount
        ? html`<div class="alert error-text" id=${this.alertId} role="alert" tabindex="-1"><strong>${words.failed}</strong>
            ${d.summary.length ? html`<ul>${d.summary.map((m) => html`<li>${m}</li>`)}</ul>` : nothing}
            ${errorCount ? html`<p>${words.fixFields}</p>` : nothing}</div>`
        : nothing}
      ${fields}
      <div class="actions">
        <button type="submit" class="primary">${d.busy ? words.sending : words.submit}</button>
        <button type="button" ?disabled=${d.busy} @click=${() => this.onCancel?.()}>${words.cancel}</button>
      </div>
    </form>`;
  }

  override render() {
    if (!this.draft) return nothing;
    return html`<section class="panel" aria-labelledby=${this.headingId} @keydown=${(ev: KeyboardEvent) => this.onKeydown(ev)}>
      <h3 id=${this.headingId} tabindex="-1">${this.words.title}</h3>
      ${this.renderBody()}
    </section>`;
  }
}
