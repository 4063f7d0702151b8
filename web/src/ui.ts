import { html, nothing, type TemplateResult } from 'lit';
import { ApiProblem } from './api.ts';
import { strings } from './strings.ts';

export function describeError(e: unknown): string {
  if (e instanceof ApiProblem) {
    if (e.status === 0) return strings.networkError;
    if (e.status >= 500) return strings.serverError(e.status);
    if (e.status === 401) return strings.authRequired;
    return e.detail;
  }
  return e instanceof Error ? e.message : String(e);
}

export function loadingState(): TemplateResult {
  return html`<div class="state" role="status" aria-live="polite">${strings.loading}</div>`;
}

export function errorState(e: unknown, retry: () => void): TemplateResult {
  const id = e instanceof ApiProblem ? e.requestId : null;
  return html`<div class="state error" role="alert">
    <strong>${strings.errorTitle}</strong>
    <p>${describeError(e)}</p>
    ${id ? html`<p class="muted">${strings.requestId(id)}</p>` : nothing}
    <button type="button" @click=${retry}>${strings.retry}</button>
  </div>`;
}

export function emptyState(title: string, hint?: string): TemplateResult {
  return html`<div class="state" role="status"><strong>${title}</strong>${hint ? html`<p class="muted">${hint}</p>` : nothing}</div>`;
}

/** A three-state async slot: loading, failed (with retry), or loaded. */
export type Load<T> = { state: 'idle' } | { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; value: T };

export function holderLabel(h: { person_id?: string; entity_id?: string; joint_holding_id?: string }, names: Map<string, string>): string {
  const id = h.person_id ?? h.entity_id ?? h.joint_holding_id ?? '';
  return names.get(id) ?? id;
}
