/**
 * The share ledger's "Add share class…" form and the classes table, kept
 * pure for the unit tests: the form's state, its own checks before anything
 * is sent, the request body, which field shows each message of a refusal,
 * and what the table says about the authorised shares.
 */
import { ApiProblem } from './api.ts';
import { normalizeField } from './errors.ts';
import { strings } from './strings.ts';
import { REASON_MAX, refusalMessages } from './ledger.ts';
import { SHARES_MAX, isDate } from './record-transaction.ts';
import type { ShareClass } from './types.ts';

/** The form's fields, in the order they are shown, named as the API names them. */
export const CLASS_FIELDS = ['name', 'currency', 'nominal_value', 'votes_per_share', 'authorised_shares', 'effective_from', 'reason'] as const;
export type ClassField = (typeof CLASS_FIELDS)[number];

/** The API's longest class name. */
export const CLASS_NAME_MAX = 200;

/** What the form holds while open (kept by the entity page, so nothing typed is lost). */
export interface ClassDraft {
  /** `Idempotency-Key`: one per opening, so a double submit adds one class. */
  key: string;
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
  busy: boolean;
  /** Field → message, shown next to the field. */
  errors: Partial<Record<ClassField, string>>;
  /** Messages no field of the form owns (shown in the form's alert). */
  summary: string[];
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
  if (!d.unlimited) {
    const n = d.authorised_shares.trim();
    if (!/^\d+$/.test(n) || Number(n) < 1) e.authorised_shares = strings.classAuthorisedWhole;
    else if (Number(n) > SHARES_MAX) e.authorised_shares = strings.classAuthorisedTooMany;
  }
  if (!isDate(d.effective_from)) e.effective_from = strings.classDateRequired;
  if (d.reason.trim().length > REASON_MAX) e.reason = strings.ledgerReasonTooLong;
  return e;
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

export interface ClassRefusal {
  /** Messages next to the form's fields. */
  errors: Partial<Record<ClassField, string>>;
  /** The rest, for the form's alert. */
  summary: string[];
}

/**
 * Where a refusal's messages go: a 422's field errors next to the fields
 * the API names (a duplicate name is `name`), the others in the alert (with
 * the field they name); any other failure's wording (`fallback`: network,
 * 5xx) or detail (a 403, a reused `Idempotency-Key`) in the alert.
 */
export function classRefusal(error: unknown, fallback: (e: unknown) => string): ClassRefusal {
  const errors: Partial<Record<ClassField, string>> = {};
  const summary: string[] = [];
  if (error instanceof ApiProblem && error.status === 422 && error.errors.length) {
    for (const problem of error.errors) {
      const field = normalizeField(problem.field ?? '');
      const owner = field.split('.')[0];
      if ((CLASS_FIELDS as readonly string[]).includes(owner)) {
        errors[owner as ClassField] ??= problem.message;
      } else {
        const message = !field || field === 'body' ? problem.message : `${field}: ${problem.message}`;
        if (!summary.includes(message)) summary.push(message);
      }
    }
    return { errors, summary };
  }
  return { errors, summary: refusalMessages(error, fallback) };
}

/** The first field (in form order) with a message, to take the focus. */
export function firstInvalidClass(errors: Partial<Record<ClassField, string>>): ClassField | null {
  return CLASS_FIELDS.find((f) => errors[f]) ?? null;
}

const authorisedText = (n: number | null | undefined) => (n == null ? strings.classUnlimited : n.toLocaleString());

/**
 * The classes table's "Authorised" cell on `today` (the browser's day):
 * the shares authorised then, "Unlimited", or — for a class whose authorised
 * capital starts later — what holds from when ("500 from 2030-01-01"; the
 * API's own `authorised_shares` is `null` then, which is not "Unlimited").
 */
export function authorisedCell(c: ShareClass, today: string): string {
  const history = c.authorised_history ?? [];
  if (!history.length) return authorisedText(c.authorised_shares);
  const current = history.find((p) => p.valid_from <= today && (!p.valid_to || today < p.valid_to));
  if (current) return authorisedText(current.authorised_shares);
  const next = history.filter((p) => p.valid_from > today).sort((a, b) => a.valid_from.localeCompare(b.valid_from))[0];
  if (next) return strings.classAuthorisedFrom(authorisedText(next.authorised_shares), next.valid_from);
  return authorisedText(c.authorised_shares);
}
