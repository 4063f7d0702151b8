/**
 * What a form renders the same way around each of its fields, given the
 * form's field → element id map (`ids`) and its field → message errors: the
 * field's error line (`<id>-error`), and the `aria-invalid` and
 * `aria-describedby` that point the field to it.
 */
import { html, nothing } from 'lit';

export type FieldIds<F extends string> = Record<F, string>;
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/** `aria-invalid`: whether the field has a message. */
export function ariaInvalid<F extends string>(errors: FieldErrors<F>, field: F): 'true' | 'false' {
  return errors[field] ? 'true' : 'false';
}

/** `aria-describedby`: the ids in `more` (empty ones left out), then the field's error line while it has one. */
export function describedBy<F extends string>(ids: FieldIds<F>, errors: FieldErrors<F>, field: F, ...more: string[]): string {
  return [...more, errors[field] ? `${ids[field]}-error` : ''].filter(Boolean).join(' ');
}

/** The field's message, under it (`data-error-for` names the field); nothing while it has none. */
export function errorLine<F extends string>(ids: FieldIds<F>, errors: FieldErrors<F>, field: F) {
  const message = errors[field];
  return message ? html`<p class="error" id="${ids[field]}-error" data-error-for=${field}>${message}</p>` : nothing;
}
