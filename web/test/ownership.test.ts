import { describe, expect, it } from 'vitest';
import { fileStem } from '../src/download.ts';
import { downloadName, howHeld, percent, thresholdText } from '../src/ownership.ts';
import type { BeneficialOwner } from '../src/types.ts';

const owner = (over: Partial<BeneficialOwner> = {}): BeneficialOwner => ({
  person_id: 'p-pat', name: 'Pat Smith', capital: 0.58, votes: 0.58, direct: true, direct_capital: 0.1, direct_votes: 0.1,
  joint_holding_ids: [], ...over,
});

describe('beneficial owners', () => {
  it('shows fractions as percentages with two decimals', () => {
    expect(percent(0.58)).toBe('58.00');
    expect(percent(0.32)).toBe('32.00');
    expect(percent(1)).toBe('100.00');
    expect(percent(1 / 3)).toBe('33.33');
    expect(percent(0.123456789)).toBe('12.35');
    expect(percent(0)).toBe('0.00');
  });
  it('shows the threshold without needless decimals', () => {
    expect(thresholdText(25)).toBe('25');
    expect(thresholdText(12.5)).toBe('12.5');
    expect(thresholdText(10.004)).toBe('10');
  });
  it('says how an owner holds: directly, through other entities, or both', () => {
    // 10 % directly, 48 % through A
    expect(howHeld(owner())).toBe('both');
    expect(howHeld(owner({ capital: 0.1, votes: 0.1 }))).toBe('direct');
    expect(howHeld(owner({ direct: false, direct_capital: 0, direct_votes: 0, capital: 0.32, votes: 0.32 }))).toBe('indirect');
    // more votes than the direct votes is held through others too
    expect(howHeld(owner({ capital: 0.1, votes: 0.3 }))).toBe('both');
  });
  it('takes a difference of rounding for none', () => {
    expect(howHeld(owner({ capital: 0.3333334, votes: 0.3333334, direct_capital: 0.333333, direct_votes: 0.333333 }))).toBe('direct');
  });
});

describe('download names', () => {
  it('name the entity and the date', () => {
    expect(downloadName('bods', 'Chain B 1a2b Ltd', '2025-01-01')).toBe('beneficial-owners-Chain-B-1a2b-Ltd-2025-01-01.json');
    expect(downloadName('register', 'Acme Services Ltd', '2025-06-30')).toBe('register-Acme-Services-Ltd-2025-06-30.csv');
    expect(downloadName('ledger', 'Société Générale S.A.', '2025-06-30')).toBe('share-ledger-Societe-Generale-S.A.-2025-06-30.csv');
  });
  it('keep file names safe', () => {
    expect(fileStem('  ../../etc/passwd ')).toBe('etc-passwd');
    expect(fileStem('A/B\\C:D*E?')).toBe('A-B-C-D-E');
    expect(fileStem('', 'entity')).toBe('entity');
    expect(fileStem('***', 'entity')).toBe('entity');
  });
});
