import { LitElement, html, css, nothing, type TemplateResult } from 'lit';
import { base } from '../styles.ts';
import { strings } from '../strings.ts';
import { ApiProblem } from '../api.ts';
import { DraftStore, browserStorage } from '../drafts.ts';
import { errorFor, mapErrorsToSteps, normalizeField, type FieldProblem, type StepFields } from '../errors.ts';
import { describeError } from '../ui.ts';
import type { AppContext } from '../context.ts';

export interface StepDef extends StepFields {
  title: string;
}

export const fieldId = (path: string) => 'f-' + normalizeField(path).replace(/[^a-zA-Z0-9_-]/g, '-');

/** Read a dotted path in a plain object. */
export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}
/** Write a dotted path, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/**
 * A wizard: ordered steps, a draft kept in localStorage (api-base + tenant +
 * wizard), server errors shown next to their fields, focus moved to each
 * step's heading, and a retry that loses nothing on network or 5xx failures.
 */
export abstract class WizardBase<D extends { step: number }> extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    draft: { state: true },
    errors: { state: true },
    banner: { state: true },
    busy: { state: true },
    failure: { state: true },
    restored: { state: true },
  };
  static override styles = [
    base,
    css`
      .wizard { max-width: 52em; }
      ol.steps { display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; list-style: none; padding: 0; margin: 0 0 1em; font-size: 0.92em; counter-reset: s; }
      ol.steps li { counter-increment: s; color: var(--charter-muted, #4d5965); }
      ol.steps li::before { content: counter(s) '. '; }
      ol.steps li[aria-current='step'] { color: var(--charter-fg, #1b1f24); font-weight: 700; }
      .actions { display: flex; gap: 0.75em; margin-top: 1.2em; flex-wrap: wrap; }
      .summary { background: #fdecea; border: 1px solid var(--charter-danger, #b3261e); padding: 0.6em 1em; border-radius: var(--charter-radius, 6px); margin: 0 0 1em; }
      .note { background: #e8f1fb; border: 1px solid #9ec2ea; padding: 0.6em 1em; border-radius: var(--charter-radius, 6px); margin: 0 0 1em; }
      fieldset { border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); margin: 0 0 1em; padding: 0.8em 1em; }
      legend { font-weight: 700; padding: 0 0.3em; }
      .choice { display: flex; gap: 0.6em; align-items: flex-start; margin: 0 0 0.7em; }
      .choice label { margin: 0; }
      .choice input { margin-top: 0.3em; }
      ul.items { padding-left: 1.2em; }
      ul.items li { margin: 0 0 0.4em; }
      ul.options { list-style: none; padding: 0; margin: 0.3em 0; max-height: 14em; overflow: auto; border: 1px solid var(--charter-border-soft, #dde3e9); border-radius: var(--charter-radius, 6px); }
      ul.options li button { display: block; width: 100%; text-align: left; border: none; border-radius: 0; background: none; padding: 0.35em 0.6em; }
      ul.options li button:hover, ul.options li button[aria-pressed='true'] { background: var(--charter-surface, #f4f6f8); }
      dl.facts { margin-bottom: 1em; }
    `,
  ];
  declare ctx: AppContext;
  declare draft: D;
  declare errors: Record<string, string>;
  declare banner: string;
  declare busy: boolean;
  declare failure: { error: unknown; retry: () => void } | null;
  declare restored: boolean;
  protected store: DraftStore<D> | null = null;

  abstract readonly wizardName: string;
  abstract readonly steps: StepDef[];
  abstract readonly heading: string;
  protected abstract emptyDraft(): D;
  protected abstract renderStep(id: string): TemplateResult;
  /** Checks a step before moving on; returns field → message. */
  protected abstract validateStep(id: string): Promise<Record<string, string>>;
  protected abstract confirm(): Promise<void>;
  protected draftTenant(): string {
    return this.ctx.tenant;
  }

  constructor() {
    super();
    this.errors = {};
    this.banner = '';
    this.busy = false;
    this.failure = null;
    this.restored = false;
  }

  protected override willUpdate(): void {
    if (this.store || !this.ctx) return;
    this.store = new DraftStore<D>(browserStorage('local'), this.ctx.apiBase, this.draftTenant(), this.wizardName);
    const saved = this.store.load();
    this.draft = saved ? { ...this.emptyDraft(), ...saved } : this.emptyDraft();
    this.restored = !!saved;
    this.onDraftReady();
  }

  protected onDraftReady(): void {}

  get stepIndex(): number {
    return Math.min(Math.max(this.draft.step ?? 0, 0), this.steps.length - 1);
  }
  get stepId(): string {
    return this.steps[this.stepIndex].id;
  }

  /** Update the draft (immutably for Lit) and save it. */
  protected patch(changes: Partial<D>): void {
    this.draft = { ...this.draft, ...changes };
    this.store?.save(this.draft);
  }

  protected setField(path: string, value: unknown): void {
    const copy = structuredClone(this.draft) as D & Record<string, unknown>;
    setPath(copy, path, value);
    this.draft = copy;
    this.store?.save(this.draft);
    if (this.errors[normalizeField(path)]) {
      const rest = { ...this.errors };
      delete rest[normalizeField(path)];
      this.errors = rest;
    }
  }

  protected value(path: string): string {
    const v = getPath(this.draft, path);
    return v === undefined || v === null ? '' : String(v);
  }

  protected goTo(index: number, errors: Record<string, string> = {}): void {
    this.patch({ step: index } as Partial<D>);
    this.errors = errors;
    this.failure = null;
    void this.updateComplete.then(() => {
      const invalid = this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]');
      (invalid ?? this.renderRoot.querySelector<HTMLElement>('#step-heading'))?.focus();
    });
  }

  protected async next(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.banner = '';
    try {
      const errors = await this.validateStep(this.stepId);
      if (Object.keys(errors).length) {
        this.errors = errors;
        this.banner = strings.wizardFixErrors;
        await this.updateComplete;
        this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
        return;
      }
      this.goTo(this.stepIndex + 1);
    } catch (error) {
      this.failure = { error, retry: () => void this.next() };
    } finally {
      this.busy = false;
    }
  }

  protected back(): void {
    this.banner = '';
    this.goTo(this.stepIndex - 1);
  }

  /** Shows a 422 problem's errors next to their fields, on the step that owns them. */
  protected showProblem(e: unknown, prefix = ''): boolean {
    if (e instanceof ApiProblem && e.status === 422 && e.errors.length) {
      const mapped = mapErrorsToSteps(e.errors as FieldProblem[], this.steps, prefix);
      const target = mapped.step ?? this.stepId;
      const index = this.steps.findIndex((s) => s.id === target);
      this.banner = [strings.wizardFixErrors, ...mapped.unmatched.map((u) => `${u.field}: ${u.message}`)].join(' ');
      this.goTo(index, mapped.byStep[target] ?? {});
      return true;
    }
    return false;
  }

  protected async runConfirm(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.banner = '';
    this.failure = null;
    try {
      await this.confirm();
    } catch (error) {
      if (!this.showProblem(error)) this.failure = { error, retry: () => void this.runConfirm() };
    } finally {
      this.busy = false;
    }
  }

  protected discard(): void {
    this.store?.clear();
    this.draft = this.emptyDraft();
    this.errors = {};
    this.banner = '';
    this.restored = false;
    this.goTo(0);
  }

  protected err(path: string): string | undefined {
    return errorFor(this.errors, path);
  }

  /** A labelled input bound to a draft path, with its error and hint. */
  protected input(path: string, label: string, opts: { type?: string; hint?: string; required?: boolean; autocomplete?: string; errorPath?: string; onInput?: (v: string) => void; list?: string } = {}) {
    const id = fieldId(path);
    const error = this.err(opts.errorPath ?? path);
    const described = [opts.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
    return html`<div class="field">
      <label for=${id}>${label}</label>
      <input id=${id} name=${path} type=${opts.type ?? 'text'} .value=${this.value(path)} ?required=${!!opts.required}
        autocomplete=${opts.autocomplete ?? 'off'} aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described || nothing}
        @input=${(e: Event) => { const v = (e.target as HTMLInputElement).value; this.setField(path, v); opts.onInput?.(v); }} />
      ${opts.hint ? html`<p class="hint" id="${id}-hint">${opts.hint}</p>` : nothing}
      ${error ? html`<p class="error" id="${id}-error" data-error-for=${normalizeField(opts.errorPath ?? path)}>${error}</p>` : nothing}
    </div>`;
  }

  protected errorLine(path: string) {
    const error = this.err(path);
    return error ? html`<p class="error" data-error-for=${normalizeField(path)}>${error}</p>` : nothing;
  }

  override render() {
    if (!this.draft) return nothing;
    const i = this.stepIndex;
    const last = i === this.steps.length - 1;
    return html`<section class="wizard" aria-labelledby="wizard-h">
      <h1 id="wizard-h">${this.heading}</h1>
      <nav aria-label=${this.heading}><ol class="steps">
        ${this.steps.map((s, n) => html`<li aria-current=${n === i ? 'step' : 'false'}>${s.title}</li>`)}
      </ol></nav>
      ${this.restored ? html`<p class="note" role="status">${strings.wizardDraftRestored}
        <button type="button" class="link" @click=${this.discard}>${strings.wizardDiscard}</button></p>` : nothing}
      <form novalidate @submit=${(e: Event) => { e.preventDefault(); void (last ? this.runConfirm() : this.next()); }}>
        <h2 id="step-heading" tabindex="-1">${strings.wizardStepOf(i + 1, this.steps.length)}: ${this.steps[i].title}</h2>
        ${this.banner ? html`<div class="summary" role="alert">${this.banner}</div>` : nothing}
        ${this.failure ? html`<div class="state error" role="alert"><p>${describeError(this.failure.error)}</p>
          <button type="button" @click=${this.failure.retry}>${strings.retry}</button></div>` : nothing}
        ${this.renderStep(this.stepId)}
        <div class="actions">
          ${i > 0 ? html`<button type="button" @click=${this.back} ?disabled=${this.busy}>${strings.wizardBack}</button>` : nothing}
          <button type="submit" class="primary" ?disabled=${this.busy}>${this.busy ? (last ? strings.wizardSaving : strings.wizardValidating) : last ? strings.wizardConfirm : strings.wizardNext}</button>
        </div>
      </form>
    </section>`;
  }
}
