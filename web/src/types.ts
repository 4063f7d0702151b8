/** The API's JSON shapes the UI reads (docs/openapi.json). */

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}
export interface Address {
  lines: string[];
  city: string;
  region?: string | null;
  postal_code?: string | null;
  country: string;
}
export interface Entity {
  id: string;
  legal_name: string | null;
  other_names: { type: string; name: string; language?: string | null }[];
  jurisdiction: string | null;
  legal_form: string | null;
  legal_form_name?: string | null;
  legal_form_text?: string | null;
  registration_authority?: string | null;
  registration_number?: string | null;
  lei?: string | null;
  incorporation_date?: string | null;
  status?: string | null;
  management_status?: string | null;
  addresses: { registered_office?: Address | null; principal_place_of_business?: Address | null; mailing?: Address | null };
  registered_agent?: { name: string; address?: Address | null } | null;
  custom_fields: Record<string, unknown>;
  version: number;
  as_of: string;
}
export interface FactVersion {
  value: unknown;
  valid_from: string;
  valid_to: string | null;
  recorded_at: string;
  reason?: string | null;
  recorded_by?: string | null;
}
export interface History {
  entity_id: string;
  facts: Record<string, FactVersion[]>;
}
export interface Holder {
  person_id?: string;
  entity_id?: string;
  joint_holding_id?: string;
}
export interface Appointment {
  id: string;
  entity_id: string;
  holder: Holder;
  role: string;
  appointed_on: string;
  ceased_on: string | null;
}
export interface Person {
  id: string;
  given_name: string;
  family_name: string;
  email?: string | null;
}
export interface RegisterLine {
  /** A joint holding comes with its `joint_holders`. */
  holder: LedgerHolder;
  holder_name: string | null;
  share_class_id: string;
  share_class: string;
  shares: number;
  capital_pct: number;
  votes_pct: number;
}
export type ShareTransactionKind = 'issuance' | 'transfer' | 'cancellation' | 'split' | 'conversion' | 'reversal';
/** A share-ledger holder: `joint_holding_id` may come with its `joint_holders`. */
export interface LedgerHolder extends Holder {
  joint_holders?: { person_id: string }[];
}
/** One transaction of an entity's share ledger (`GET …/entities/{id}/share-transactions`). */
export interface ShareTransaction {
  id: string;
  issuer_id: string;
  kind: ShareTransactionKind;
  share_class_id: string;
  /** The class's name. */
  share_class?: string | null;
  effective_from: string;
  from_holder: LedgerHolder | null;
  to_holder: LedgerHolder | null;
  /** A person's full name, an entity's legal name, a joint holding's names. */
  from_holder_name?: string | null;
  to_holder_name?: string | null;
  shares: number;
  to_share_class_id: string | null;
  /** A conversion's target class's name. */
  to_share_class?: string | null;
  to_shares: number | null;
  ratio_numerator: number | null;
  ratio_denominator: number | null;
  reason: string | null;
  /** A reversal's transaction. */
  reverses: string | null;
  /** The reversal that took this transaction back. */
  reversed_by?: string | null;
  recorded_at: string;
  recorded_by: string;
}
export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
}
export interface StructureNode {
  id: string;
  type: string;
  name: string | null;
  level: number;
}
export interface StructureLink {
  from: string;
  to: string;
  kind: string;
  capital_pct?: number | null;
  votes_pct?: number | null;
}
export interface Structure {
  entity_id: string;
  as_of: string;
  nodes: StructureNode[];
  links: StructureLink[];
}
export interface Jurisdiction {
  code: string;
  country: string;
  name: string;
  category: string;
}
export interface LegalForm {
  code: string;
  country: string | null;
  subdivision: string | null;
  status: string;
  name: string;
  transliterated_name: string;
  abbreviations: string;
}
export interface Role {
  key: string;
  label: string;
}
export interface CustomField {
  key: string;
  label: string;
  type: string;
  required?: boolean;
  options?: string[] | null;
}
/** A class of an entity's shares (`GET …/entities/{id}/share-classes`, a plain array). */
export interface ShareClass {
  id: string;
  entity_id: string;
  name: string;
  /** ISO 4217. */
  currency: string;
  /** Decimal text, e.g. `"0.01"`. */
  nominal_value: string;
  votes_per_share: string;
  /** Authorised today (the server's day); `null`: unlimited, or none authorised yet. */
  authorised_shares?: number | null;
  /** The authorised capital over time (`authorised_shares` `null`: unlimited). */
  authorised_history?: AuthorisedPeriod[];
  certificated?: boolean;
  created_at?: string;
}
export interface AuthorisedPeriod {
  valid_from: string;
  valid_to?: string | null;
  authorised_shares?: number | null;
}
/** A natural person whose effective capital or votes reach the threshold. */
export interface BeneficialOwner {
  person_id: string;
  name?: string | null;
  /** Effective fraction (0–1) of the capital. */
  capital: number;
  /** Effective fraction (0–1) of the votes. */
  votes: number;
  /** Whether any of it is held in the entity itself (alone or jointly). */
  direct: boolean;
  /** The part of `capital` and of `votes` held in the entity itself. */
  direct_capital: number;
  direct_votes: number;
  joint_holding_ids: string[];
}
/** `GET …/entities/{id}/beneficial-owners`: largest first. */
export interface BeneficialOwners {
  entity_id: string;
  as_of: string;
  /** The threshold applied, in percent. */
  threshold: number;
  /** `query` or `tenant_settings`. */
  threshold_source: string;
  items: BeneficialOwner[];
}
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  placement: string;
  status: string;
}
export interface Me {
  kind: string;
  email?: string | null;
  name?: string | null;
  platform_roles: string[];
  tenants: { slug: string; name: string; role: string }[];
  csrf_token?: string | null;
}
