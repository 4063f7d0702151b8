/**
 * The share ledger tab's display rules, kept pure for the unit tests: which
 * transactions can still be reversed, what the shares and status cells say,
 * which messages a refused reversal shows; and what the tab's forms ("Record
 * transaction…", "Add share class…") check alike and where their refusals'
 * messages go.
 */
import { ApiProblem } from './api.ts';
import { normalizeField } from './errors.ts';
import { strings } from './strings.ts';
import type { ShareTransaction } from './types.ts';

/** A reversal's reason: required, at most this many characters (a form's reason: at most as many). */
export const REASON_MAX = 500;

/** The API's largest number of shares (in one transaction, or authorised for a class): 10^15. */
export const SHARES_MAX = 1_000_000_000_000_000;

export interface LedgerRow {
  tx: ShareTransaction;
  /** "Issuance", "Transfer", … */
  kind: string;
  /** The class's name (its id until the server names it). */
  shareClass: string;
  /** "600"; a split's ratio "2:1"; a conversion's "100 → 50 Preference"; a reversal's "—". */
  shares: string;
  /** Taken back by a later reversal. */
  reversed: boolean;
  /** "Reversed", "Reverses transfer of 2024-01-01", or '' for a standing transaction. */
  status: string;
  /** Neither a reversal nor already reversed: offers "Reverse…". */
  reversible: boolean;
  /** The button's accessible name, e.g. "Reverse transfer of 2024-01-01". */
  reverseLabel: string;
  /** The reversal form's legend, e.g. "Reverse the transfer of 2024-01-01". */
  reverseTitle: string;
}

const noun = (kind: string) => strings.ledgerKindNouns[kind] ?? kind;

export function sharesCell(t: ShareTransaction): string {
  // A reversal moves no shares of its own: it takes its transaction back.
  if (t.kind === 'reversal') return strings.noValue;
  if (t.kind === 'split' && t.ratio_numerator != null && t.ratio_denominator != null) {
    return strings.ledgerRatio(t.ratio_numerator, t.ratio_denominator);
  }
  if (t.kind === 'conversion') {
    const to = t.to_shares ?? t.shares;
    return strings.ledgerConversion(t.shares.toLocaleString(), to.toLocaleString(), t.to_share_class ?? t.to_share_class_id ?? '');
  }
  return t.shares.toLocaleString();
}

/** The ledger's transactions as table rows, in the server's (effective) order. */
export function ledgerRows(transactions: ShareTransaction[]): LedgerRow[] {
  const byId = new Map(transactions.map((t) => [t.id, t]));
  // `reversed_by` says it; a reversal's `reverses` says the same from the other side.
  const reversedBy = new Map<string, string>();
  for (const t of transactions) if (t.kind === 'reversal' && t.reverses) reversedBy.set(t.reverses, t.id);
  return transactions.map((t) => {
    const reversed = !!(t.reversed_by ?? reversedBy.get(t.id));
    let status = '';
    if (t.kind === 'reversal') {
      const original = t.reverses ? byId.get(t.reverses) : undefined;
      status = original ? strings.ledgerReverses(noun(original.kind), original.effective_from) : strings.ledgerReversesUnknown;
    } else if (reversed) {
      status = strings.ledgerReversed;
    }
    return {
      tx: t,
      kind: strings.ledgerKinds[t.kind] ?? t.kind,
      shareClass: t.share_class ?? t.share_class_id,
      shares: sharesCell(t),
      reversed,
      status,
      reversible: t.kind !== 'reversal' && !reversed,
      reverseLabel: strings.ledgerReverseLabel(noun(t.kind), t.effective_from),
      reverseTitle: strings.ledgerReverseTitle(noun(t.kind), t.effective_from),
    };
  });
}

/** The form's own check of a reason before anything is sent; null when fine. */
export function reasonProblem(reason: string): string | null {
  const r = reason.trim();
  if (!r) return strings.ledgerReasonRequired;
  if (r.length > REASON_MAX) return strings.ledgerReasonTooLong;
  return null;
}

/**
 * What a refused reversal shows: the problem's field messages (a 422 names
 * the date the ledger would break), otherwise its detail (a 403's "your role
 * does not allow this action"); `fallback` words the rest (network, 5xx).
 */
export function refusalMessages(error: unknown, fallback: (e: unknown) => string): string[] {
  if (error instanceof ApiProblem && error.status >= 400 && error.status < 500 && error.status !== 401) {
    const messages = [...new Set(error.errors.map((e) => e.message).filter(Boolean))];
    if (messages.length) return messages;
    if (error.detail) return [error.detail];
  }
  return [fallback(error)];
}

/** Whether the problem is about the reason field (marks the field invalid). */
export function reasonRefused(error: unknown): boolean {
  return error instanceof ApiProblem && error.errors.some((e) => e.field === 'reason');
}

/** A real calendar date as `YYYY-MM-DD`. */
export function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** A number of shares as typed: `whole` (the form's message) unless a whole number from 1, `tooMany` above `SHARES_MAX`; null when fine. */
export function sharesProblem(typed: string, whole: string, tooMany: string): string | null {
  const n = typed.trim();
  if (!/^\d+$/.test(n) || Number(n) < 1) return whole;
  if (Number(n) > SHARES_MAX) return tooMany;
  return null;
}

/** The checks of the date and the reason a form ends with (`dateRequired`: the form's message for a date that is not one). */
export function dateAndReasonProblems(d: { effective_from: string; reason: string }, dateRequired: string): { effective_from?: string; reason?: string } {
  const e: { effective_from?: string; reason?: string } = {};
  if (!isDate(d.effective_from)) e.effective_from = dateRequired;
  if (d.reason.trim().length > REASON_MAX) e.reason = strings.ledgerReasonTooLong;
  return e;
}

/** A form's messages: next to its fields, and the rest (no field of the form owns them) for its alert. */
export interface FormRefusal<F extends string> {
  /** Field → message, shown next to the field. */
  errors: Partial<Record<F, string>>;
  /** Messages no field of the form owns (shown in the form's alert). */
  summary: string[];
}

/** What the tab's inline forms hold besides their values (kept by the entity page, so nothing typed is lost). */
export interface FormDraft<F extends string> extends FormRefusal<F> {
  /** `Idempotency-Key`: one per opening, so a double submit sends once. */
  key: string;
  busy: boolean;
}

/**
 * Where a refused form's messages go: a 422's field errors next to the
 * form's `fields` (a nested field, `from_holder.person_id`, to the field it
 * belongs to; a field's first message), the others in the alert (with the
 * field they name); any other failure's wording (`fallback`: network, 5xx)
 * or detail (a 403, a reused `Idempotency-Key`) in the alert.
 */
export function formRefusal<F extends string>(error: unknown, fields: readonly F[], fallback: (e: unknown) => string): FormRefusal<F> {
  const errors: Partial<Record<F, string>> = {};
  const summary: string[] = [];
  if (error instanceof ApiProblem && error.status === 422 && error.errors.length) {
    for (const problem of error.errors) {
      const field = normalizeField(problem.field ?? '');
      const owner = field.split('.')[0];
      if ((fields as readonly string[]).includes(owner)) {
        errors[owner as F] ??= problem.message;
      } else {
        const message = !field || field === 'body' ? problem.message : `${field}: ${problem.message}`;
        if (!summary.includes(message)) summary.push(message);
      }
    }
    return { errors, summary };
  }
  return { errors, summary: refusalMessages(error, fallback) };
}

/** The first of `fields` (form order) with a message, to take the focus; null when none has one. */
export function firstInvalidField<F extends string>(fields: readonly F[], errors: Partial<Record<F, string>>): F | null {
  return fields.find((f) => errors[f]) ?? null;
}
