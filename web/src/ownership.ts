/**
 * The ownership tab's beneficial owners and the entity page's downloads,
 * kept pure for the unit tests: percentages, how each owner holds, and the
 * names the downloaded files get.
 */
import { fileStem } from './download.ts';
import type { BeneficialOwner } from './types.ts';

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

/**
 * How a beneficial owner holds: the API gives the part held in the entity
 * itself (`direct_capital`, `direct_votes`); more than that is held through
 * other entities too. Differences below a rounding are none.
 */
export function howHeld(owner: BeneficialOwner): HowHeld {
  if (!owner.direct) return 'indirect';
  const EPSILON = 5e-7;
  return owner.capital - owner.direct_capital > EPSILON || owner.votes - owner.direct_votes > EPSILON ? 'both' : 'direct';
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
