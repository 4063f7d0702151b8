/**
 * The share ledger's "Add share class…" form and the classes table, kept
 * pure for the unit tests: the form's state, its own checks before anything
 * is sent, the request body, and what the table says about the authorised
 * shares (a refusal's messages go next to `CLASS_FIELDS`: `formRefusal` in
 * ledger.ts).
 */
import { strings } from './strings.ts';
import { dateAndReasonProblems, sharesProblem, type FormDraft } from './ledger.ts';
import type { AuthorisedPeriod, ShareClass } from './types.ts';

/** The form's fields, in the order they are shown, named as the API names them. */
export const CLASS_FIELDS = ['name', 'currency', 'nominal_value', 'votes_per_share', 'authorised_shares', 'effective_from', 'reason'] as const;
export type ClassField = (typeof CLASS_FIELDS)[number];

/** The API's longest class name. */
export const CLASS_NAME_MAX = 200;

/** What the form holds while open (kept by the entity page, so nothing typed is lost). */
export interface ClassDraft extends FormDraft<ClassField> {
  name: string;
  /** ISO 4217; sent in capitals. */
  currency: string;
  /** Decimal text. */
  nominal_value: string;
  votes_per_share: string;
  /** A whole number as typed; ignored while `unlimited`. */
  authorised_shares: string;
  unlimited: boolean;
  /** `YYYY-MM-DD`: the first day the authorised shares hold. */
  effective_from: string;
  reason: string;
}

export function emptyClassDraft(key: string, today: string): ClassDraft {
  return {
    key, name: '', currency: '', nominal_value: '0', votes_per_share: '1', authorised_shares: '', unlimited: false,
    effective_from: today, reason: '', busy: false, errors: {}, summary: [],
  };
}

/** A decimal ≥ 0 as the API takes it: up to 15 digits before the point and 6 after. */
const DECIMAL = /^\d{1,15}(\.\d{0,6})?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The currency as sent: `eur ` → `EUR`. */
export const currencyCode = (raw: string) => raw.trim().toUpperCase();

/**
 * The form's own checks before anything is sent: field → message (empty when
 * it may be sent). `existing`: the entity's class names (a second class of
 * the same name is refused).
 */
export function classProblems(d: ClassDraft, existing: readonly string[] = []): Partial<Record<ClassField, string>> {
  const e: Partial<Record<ClassField, string>> = {};
  const name = d.name.trim();
  if (!name) e.name = strings.classNameRequired;
  else if ([...name].length > CLASS_NAME_MAX) e.name = strings.classNameTooLong;
  else if (CONTROL.test(name)) e.name = strings.classNameControl;
  else if (existing.includes(name)) e.name = strings.classNameTaken(name);
  if (!/^[A-Z]{3}$/.test(currencyCode(d.currency))) e.currency = strings.classCurrencyInvalid;
  if (!DECIMAL.test(d.nominal_value.trim())) e.nominal_value = strings.classNominalInvalid;
  if (!DECIMAL.test(d.votes_per_share.trim())) e.votes_per_share = strings.classVotesInvalid;
  // what is typed while Unlimited is ticked does not matter
  const authorised = d.unlimited ? null : sharesProblem(d.authorised_shares, strings.classAuthorisedWhole, strings.classAuthorisedTooMany);
  if (authorised) e.authorised_shares = authorised;
  return { ...e, ...dateAndReasonProblems(d, strings.classDateRequired) };
}

/** `POST …/entities/{id}/share-classes`'s body. */
export function classBody(d: ClassDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: d.name.trim(),
    currency: currencyCode(d.currency),
    nominal_value: d.nominal_value.trim(),
    votes_per_share: d.votes_per_share.trim(),
    authorised_shares: d.unlimited ? null : Number(d.authorised_shares.trim()),
    effective_from: d.effective_from,
  };
  const reason = d.reason.trim();
  if (reason) body.reason = reason;
  return body;
}

/** A number of authorised shares as shown: "1,000", or "Unlimited" for `null`. */
export const authorisedText = (n: number | null | undefined) => (n == null ? strings.classUnlimited : n.toLocaleString());

/** A class's authorised capital over time, earliest first. */
export function sortedHistory(c: ShareClass): AuthorisedPeriod[] {
  return [...(c.authorised_history ?? [])].sort((a, b) => a.valid_from.localeCompare(b.valid_from));
}

/** Whether the period holds on `day` (its end date excluded). */
const holdsOn = (p: AuthorisedPeriod, day: string) => p.valid_from <= day && (!p.valid_to || day < p.valid_to);

/**
 * The classes table's "Authorised" cell on `today` (the browser's day):
 * the shares authorised then, "Unlimited", or — for a class whose authorised
 * capital starts later — what holds from when ("500 from 2030-01-01"; the
 * API's own `authorised_shares` is `null` then, which is not "Unlimited").
 * With more than one period, compactly with its neighbours: what holds
 * today and since when, what held before and what comes next
 * ("5,000 from 2024-01-01 (1,000 before)", "1,000 (5,000 from 2030-01-01)").
 */
export function authorisedCell(c: ShareClass, today: string): string {
  const history = sortedHistory(c);
  if (!history.length) return authorisedText(c.authorised_shares);
  let at = history.findIndex((p) => holdsOn(p, today));
  const current = at >= 0;
  // none holds today: the first to come
  if (!current) at = history.findIndex((p) => p.valid_from > today);
  if (at < 0) return authorisedText(c.authorised_shares);
  const focus = history[at];
  const main = current && at === 0 ? authorisedText(focus.authorised_shares) : strings.classAuthorisedFrom(authorisedText(focus.authorised_shares), focus.valid_from);
  const notes: string[] = [];
  const before = history[at - 1];
  const next = history[at + 1];
  if (before) notes.push(strings.classAuthorisedBefore(authorisedText(before.authorised_shares)));
  if (next) notes.push(strings.classAuthorisedFrom(authorisedText(next.authorised_shares), next.valid_from));
  return notes.length ? strings.classAuthorisedWith(main, notes.join('; ')) : main;
}
