/**
 * The share ledger's "Record transaction…" form, kept pure for the unit
 * tests: its state, the form's own checks before anything is sent, the
 * request body, and which field shows each message of a refusal.
 */
import { ApiProblem } from './api.ts';
import { normalizeField } from './errors.ts';
import { holderKey, shareholder, type HolderMatch } from './holders.ts';
import { strings } from './strings.ts';
import { REASON_MAX, refusalMessages } from './ledger.ts';
import type { Holder, RegisterLine } from './types.ts';

/** The kinds the form records (splits and conversions go through the API for now). */
export const RECORD_KINDS = ['issuance', 'transfer', 'cancellation'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The form's fields, in the order they are shown, named as the API names them. */
export const RECORD_FIELDS = ['kind', 'share_class_id', 'from_holder', 'to_holder', 'shares', 'effective_from', 'reason'] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** The API's largest number of shares in one transaction (10^15). */
export const SHARES_MAX = 1_000_000_000_000_000;

export interface HolderPick {
  holder: Holder;
  name: string;
}

/** What the form holds while open (kept by the entity page, so nothing typed is lost). */
export interface RecordDraft {
  /** `Idempotency-Key`: one per opening, so a double submit records once. */
  key: string;
  kind: RecordKind;
  share_class_id: string;
  /** What is typed in the From search, and the holder picked. */
  fromQuery: string;
  from: HolderPick | null;
  toQuery: string;
  to: HolderPick | null;
  shares: string;
  /** `YYYY-MM-DD`. */
  effective_from: string;
  reason: string;
  busy: boolean;
  /** Field → message, shown next to the field. */
  errors: Partial<Record<RecordField, string>>;
  /** Messages no field of the form owns (shown in the form's alert). */
  summary: string[];
}

/** Today in the browser's time zone, `YYYY-MM-DD`. */
export function localToday(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

export function emptyRecordDraft(key: string, today: string): RecordDraft {
  return {
    key, kind: 'issuance', share_class_id: '', fromQuery: '', from: null, toQuery: '', to: null,
    shares: '', effective_from: today, reason: '', busy: false, errors: {}, summary: [],
  };
}

export const needsFrom = (kind: RecordKind) => kind === 'transfer' || kind === 'cancellation';
export const needsTo = (kind: RecordKind) => kind === 'issuance' || kind === 'transfer';

/** The fields the form shows for a kind, in form order. */
export function recordFields(kind: RecordKind): RecordField[] {
  return RECORD_FIELDS.filter((f) => (f !== 'from_holder' || needsFrom(kind)) && (f !== 'to_holder' || needsTo(kind)));
}

/** A real calendar date as `YYYY-MM-DD`. */
export function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The form's own checks before anything is sent: field → message (empty when it may be sent). */
export function recordProblems(d: RecordDraft): Partial<Record<RecordField, string>> {
  const e: Partial<Record<RecordField, string>> = {};
  if (!(RECORD_KINDS as readonly string[]).includes(d.kind)) e.kind = strings.ledgerRecordKindRequired;
  if (!d.share_class_id) e.share_class_id = strings.ledgerRecordClassRequired;
  if (needsFrom(d.kind) && !d.from) e.from_holder = d.fromQuery.trim() ? strings.ledgerRecordPickHolder : strings.ledgerRecordFromRequired;
  if (needsTo(d.kind) && !d.to) e.to_holder = d.toQuery.trim() ? strings.ledgerRecordPickHolder : strings.ledgerRecordToRequired;
  if (d.kind === 'transfer' && d.from && d.to && holderKey(d.from.holder) === holderKey(d.to.holder)) e.to_holder = strings.ledgerRecordSameHolder;
  const shares = d.shares.trim();
  if (!/^\d+$/.test(shares) || Number(shares) < 1) e.shares = strings.ledgerRecordSharesWhole;
  else if (Number(shares) > SHARES_MAX) e.shares = strings.ledgerRecordSharesTooMany;
  if (!isDate(d.effective_from)) e.effective_from = strings.ledgerRecordDateRequired;
  if (d.reason.trim().length > REASON_MAX) e.reason = strings.ledgerReasonTooLong;
  return e;
}

/** `POST …/share-transactions`'s body: only what the kind takes. */
export function recordBody(d: RecordDraft): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: d.kind, share_class_id: d.share_class_id };
  if (needsFrom(d.kind) && d.from) body.from_holder = shareholder(d.from.holder);
  if (needsTo(d.kind) && d.to) body.to_holder = shareholder(d.to.holder);
  body.shares = Number(d.shares.trim());
  body.effective_from = d.effective_from;
  const reason = d.reason.trim();
  if (reason) body.reason = reason;
  return body;
}

export interface RecordRefusal {
  /** Messages next to the form's fields (only fields shown for the kind). */
  errors: Partial<Record<RecordField, string>>;
  /** The rest, for the form's alert. */
  summary: string[];
}

/**
 * Where a refusal's messages go: a 422's field errors next to the form's
 * fields (`from_holder.person_id` belongs to From), the others in the alert
 * (with the field they name); any other failure's wording (`fallback`:
 * network, 5xx) or detail (a 403) in the alert.
 */
export function recordRefusal(error: unknown, kind: RecordKind, fallback: (e: unknown) => string): RecordRefusal {
  const errors: Partial<Record<RecordField, string>> = {};
  const summary: string[] = [];
  const shown = recordFields(kind) as string[];
  if (error instanceof ApiProblem && error.status === 422 && error.errors.length) {
    for (const problem of error.errors) {
      const field = normalizeField(problem.field ?? '');
      const owner = field.split('.')[0];
      if (shown.includes(owner)) {
        errors[owner as RecordField] ??= problem.message;
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
export function firstInvalid(kind: RecordKind, errors: Partial<Record<RecordField, string>>): RecordField | null {
  return recordFields(kind).find((f) => errors[f]) ?? null;
}

export interface Holding {
  holder: Holder;
  name: string;
  shares: number;
}

/** The register's holders of one class (the From field's quick choices), most shares first. */
export function holdingsOf(lines: RegisterLine[], classId: string): Holding[] {
  return lines
    .filter((l) => l.share_class_id === classId && l.shares > 0)
    .map((l) => ({ holder: shareholder(l.holder), name: l.holder_name ?? holderKey(l.holder), shares: l.shares }))
    .sort((a, b) => b.shares - a.shares || a.name.localeCompare(b.name));
}

/** How many shares of the class the holder has in the register (0 when none). */
export function sharesHeld(lines: RegisterLine[], classId: string, holder: Holder): number {
  const key = holderKey(holder);
  return lines.filter((l) => l.share_class_id === classId && holderKey(l.holder) === key).reduce((n, l) => n + l.shares, 0);
}

/**
 * A search's matches with the shares of the class each holds (0 for none),
 * the entity's current holders first: among namesakes, the one on the
 * register is usually the one meant.
 */
export function rankMatches(matches: HolderMatch[], lines: RegisterLine[] | null, classId: string): { match: HolderMatch; held: number }[] {
  const ranked = matches.map((match) => ({ match, held: lines && classId ? sharesHeld(lines, classId, match.holder) : 0 }));
  return ranked.filter((r) => r.held > 0).concat(ranked.filter((r) => r.held <= 0));
}
