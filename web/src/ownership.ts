/**
 * The ownership tab's beneficial owners and the entity page's downloads,
 * kept pure for the unit tests: percentages, how each owner holds, and the
 * names the downloaded files get.
 */
import { fileStem } from './download.ts';
import type { BeneficialOwner, RegisterLine } from './types.ts';

/** A fraction (0–1) as a percentage with two decimals: 0.58 → `58.00`. */
export function percent(fraction: number): string {
  return (Math.round(fraction * 1e6) / 1e4).toFixed(2);
}

/** The threshold (already in percent) without needless decimals: 25 → `25`, 12.5 → `12.5`. */
export function thresholdText(pct: number): string {
  return String(Math.round(pct * 100) / 100);
}

/** Held in the entity itself, only through other entities, or both. */
export type HowHeld = 'direct' | 'indirect' | 'both';

/** Whether the register line is the person's, alone or as a joint holder. */
function heldBy(line: RegisterLine, person: string): boolean {
  return line.holder.person_id === person || !!line.holder.joint_holders?.some((j) => j.person_id === person);
}

/**
 * How a beneficial owner holds: the API says whether any of it is direct;
 * the register at the same date says how much, so an owner with more than
 * the direct holding holds the rest through other entities. Without the
 * register, a direct owner is shown as direct.
 */
export function howHeld(owner: BeneficialOwner, lines: RegisterLine[] | null): HowHeld {
  if (!owner.direct) return 'indirect';
  if (!lines) return 'direct';
  let capital = 0;
  let votes = 0;
  for (const l of lines) {
    if (!heldBy(l, owner.person_id)) continue;
    capital += l.capital_pct / 100;
    votes += l.votes_pct / 100;
  }
  const EPSILON = 5e-7;
  return owner.capital - capital > EPSILON || owner.votes - votes > EPSILON ? 'both' : 'direct';
}

/** What the entity page downloads. */
export type DownloadKind = 'register' | 'bods' | 'ledger';

/** The file name of a download: `beneficial-owners-Acme-Ltd-2025-01-01.json`. */
export function downloadName(kind: DownloadKind, entityName: string, date: string): string {
  const entity = fileStem(entityName, 'entity');
  switch (kind) {
    case 'bods':
      return `beneficial-owners-${entity}-${date}.json`;
    case 'register':
      return `register-${entity}-${date}.csv`;
    case 'ledger':
      return `share-ledger-${entity}-${date}.csv`;
  }
}
