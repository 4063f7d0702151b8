/**
 * Finding a shareholder: the entities and persons of the tenant matching
 * what was typed (the add-entity wizard's capital step and the share
 * ledger's "Record transaction…" form), and holders as the API takes them.
 */
import { strings } from './strings.ts';
import { tenantPath, type AppContext } from './context.ts';
import type { Entity, Holder, Page, Person } from './types.ts';

export interface HolderMatch {
  /** `{entity_id}` or `{person_id}`. */
  holder: Holder;
  name: string;
  /** "entity" or "person", shown after the name. */
  kind: string;
}

/**
 * Entities then persons whose names match `q` (up to `limit` of each); `[]`
 * for a blank query. Failures are the caller's to handle.
 */
export async function searchHolders(ctx: AppContext, q: string, limit = 8): Promise<HolderMatch[]> {
  const query = q.trim();
  if (!query) return [];
  const [ents, people] = await Promise.all([
    ctx.api.get<Page<Entity>>(tenantPath(ctx, '/entities'), { q: query, limit }),
    ctx.api.get<Page<Person>>(tenantPath(ctx, '/persons'), { q: query, limit }),
  ]);
  return [
    ...ents.items.map((e) => ({ holder: { entity_id: e.id }, name: e.legal_name ?? e.id, kind: strings.ewEntityTag })),
    ...people.items.map((p) => ({ holder: { person_id: p.id }, name: `${p.given_name} ${p.family_name}`, kind: strings.ewPersonTag })),
  ];
}

/**
 * A holder as a transaction names it: exactly one of `person_id`,
 * `entity_id` or `joint_holding_id` (the register adds a joint holding's
 * `joint_holders`, which the API refuses beside its id).
 */
export function shareholder(h: Holder): Holder {
  if (h.joint_holding_id) return { joint_holding_id: h.joint_holding_id };
  if (h.entity_id) return { entity_id: h.entity_id };
  return { person_id: h.person_id };
}

/** One string per holder, to compare holders: `person:…`, `entity:…`, `joint:…`. */
export function holderKey(h: Holder | null | undefined): string {
  if (!h) return '';
  if (h.joint_holding_id) return `joint:${h.joint_holding_id}`;
  if (h.entity_id) return `entity:${h.entity_id}`;
  return h.person_id ? `person:${h.person_id}` : '';
}
