/**
 * The share ledger's "Record transaction…" form, kept pure for the unit
 * tests: its state, the form's own checks before anything is sent, the
 * request body, and which fields it shows for a kind (they take a refusal's
 * messages: `formRefusal` in ledger.ts).
 */
import { holderKey, shareholder, type HolderMatch } from './holders.ts';
import { strings } from './strings.ts';
import { dateAndReasonProblems, sharesProblem, type FormDraft } from './ledger.ts';
import type { Holder, RegisterLine } from './types.ts';

/** The kinds the form records (splits and conversions go through the API for now). */
export const RECORD_KINDS = ['issuance', 'transfer', 'cancellation'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The form's fields, in the order they are shown, named as the API names them. */
export const RECORD_FIELDS = ['kind', 'share_class_id', 'from_holder', 'to_holder', 'shares', 'effective_from', 'reason'] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

export interface HolderPick {
  holder: Holder;
  name: string;
}

/** What the form holds while open (kept by the entity page, so nothing typed is lost). */
export interface RecordDraft extends FormDraft<RecordField> {
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

/** The fields the form shows for a kind, in form order (a refusal's messages for the others go in the alert). */
export function recordFields(kind: RecordKind): RecordField[] {
  return RECORD_FIELDS.filter((f) => (f !== 'from_holder' || needsFrom(kind)) && (f !== 'to_holder' || needsTo(kind)));
}

/** The form's own checks before anything is sent: field → message (empty when it may be sent). */
export function recordProblems(d: RecordDraft): Partial<Record<RecordField, string>> {
  const e: Partial<Record<RecordField, string>> = {};
  if (!(RECORD_KINDS as readonly string[]).includes(d.kind)) e.kind = strings.ledgerRecordKindRequired;
  if (!d.share_class_id) e.share_class_id = strings.ledgerRecordClassRequired;
  if (needsFrom(d.kind) && !d.from) e.from_holder = d.fromQuery.trim() ? strings.ledgerRecordPickHolder : strings.ledgerRecordFromRequired;
  if (needsTo(d.kind) && !d.to) e.to_holder = d.toQuery.trim() ? strings.ledgerRecordPickHolder : strings.ledgerRecordToRequired;
  if (d.kind === 'transfer' && d.from && d.to && holderKey(d.from.holder) === holderKey(d.to.holder)) e.to_holder = strings.ledgerRecordSameHolder;
  const shares = sharesProblem(d.shares, strings.ledgerRecordSharesWhole, strings.ledgerRecordSharesTooMany);
  if (shares) e.shares = shares;
  return { ...e, ...dateAndReasonProblems(d, strings.ledgerRecordDateRequired) };
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
