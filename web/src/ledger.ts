/**
 * The share ledger tab's display rules, kept pure for the unit tests: which
 * transactions can still be reversed, what the shares and status cells say,
 * and which messages a refused reversal shows.
 */
import { ApiProblem } from './api.ts';
import { strings } from './strings.ts';
import type { ShareTransaction } from './types.ts';

/** A reversal's reason: required, at most this many characters. */
export const REASON_MAX = 500;

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
