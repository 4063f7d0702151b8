/**
 * The share classes table's "Change authorised…" form, kept pure for the
 * unit tests: its state, its own checks before anything is sent (mirroring
 * the API's: a change from before today needs a reason), the request body
 * and the class's authorised capital on record as the form shows it (a
 * refusal's messages go next to `AUTHORISED_FIELDS`: `formRefusal` in
 * ledger.ts).
 */
import { strings } from './strings.ts';
import { dateAndReasonProblems, isDate, sharesProblem, type FormDraft } from './ledger.ts';
import { authorisedText, sortedHistory } from './share-class.ts';
import type { ShareClass } from './types.ts';

/** The form's fields, in the order they are shown, named as the API names them. */
export const AUTHORISED_FIELDS = ['authorised_shares', 'effective_from', 'reason'] as const;
export type AuthorisedField = (typeof AUTHORISED_FIELDS)[number];

/** What the form holds while open (kept by the entity page, so nothing typed is lost). */
export interface AuthorisedDraft extends FormDraft<AuthorisedField> {
  /** The class changed. */
  classId: string;
  /** A whole number as typed; ignored while `unlimited`. */
  authorised_shares: string;
  unlimited: boolean;
  /** `YYYY-MM-DD`: the first day the new authorised capital holds. */
  effective_from: string;
  reason: string;
}

export function emptyAuthorisedDraft(key: string, classId: string, today: string): AuthorisedDraft {
  return { key, classId, authorised_shares: '', unlimited: false, effective_from: today, reason: '', busy: false, errors: {}, summary: [] };
}

/** Whether the change is from before `today` (the browser's day): a correction, which the API takes only with a reason. */
export const isCorrection = (d: Pick<AuthorisedDraft, 'effective_from'>, today: string) => isDate(d.effective_from) && d.effective_from < today;

/** The form's own checks before anything is sent: field → message (empty when it may be sent). */
export function authorisedProblems(d: AuthorisedDraft, today: string): Partial<Record<AuthorisedField, string>> {
  const e: Partial<Record<AuthorisedField, string>> = {};
  // what is typed while Unlimited is ticked does not matter
  const shares = d.unlimited ? null : sharesProblem(d.authorised_shares, strings.classAuthorisedWhole, strings.classAuthorisedTooMany);
  if (shares) e.authorised_shares = shares;
  Object.assign(e, dateAndReasonProblems(d, strings.authorisedDateRequired));
  if (!e.reason && isCorrection(d, today) && !d.reason.trim()) e.reason = strings.authorisedReasonRequired;
  return e;
}

/** `POST …/share-classes/{id}/authorised-capital`'s body. */
export function authorisedBody(d: AuthorisedDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    authorised_shares: d.unlimited ? null : Number(d.authorised_shares.trim()),
    effective_from: d.effective_from,
  };
  const reason = d.reason.trim();
  if (reason) body.reason = reason;
  return body;
}

/**
 * The class's authorised capital on record, earliest first, as the form
 * shows it: "1,000 from 2020-01-01 until 2024-01-01; 5,000 from 2024-01-01"
 * (without a history, what the API says holds today; '' when it says nothing).
 */
export function authorisedHistoryText(c: ShareClass): string {
  const history = sortedHistory(c);
  if (!history.length) return c.authorised_shares === undefined ? '' : authorisedText(c.authorised_shares);
  return history
    .map((p) => (p.valid_to
      ? strings.authorisedPeriod(authorisedText(p.authorised_shares), p.valid_from, p.valid_to)
      : strings.classAuthorisedFrom(authorisedText(p.authorised_shares), p.valid_from)))
    .join('; ');
}
