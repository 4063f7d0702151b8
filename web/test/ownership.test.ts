import { describe, expect, it } from 'vitest';
import { fileStem } from '../src/download.ts';
import { downloadName, howHeld, percent, thresholdText } from '../src/ownership.ts';
import type { BeneficialOwner, RegisterLine } from '../src/types.ts';

const owner = (over: Partial<BeneficialOwner> = {}): BeneficialOwner => ({
  person_id: 'p-pat', name: 'Pat Smith', capital: 0.58, votes: 0.58, direct: true, joint_holding_ids: [], ...over,
});
const line = (holder: RegisterLine['holder'], capital_pct: number, votes_pct = capital_pct): RegisterLine => ({
  holder, holder_name: null, share_class_id: 'c1', share_class: 'Ordinary', shares: 1, capital_pct, votes_pct,
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
    const register = [line({ entity_id: 'e-a' }, 80), line({ person_id: 'p-pat' }, 10), line({ person_id: 'p-kim' }, 10)];
    // 10 % directly, 48 % through A
    expect(howHeld(owner(), register)).toBe('both');
    expect(howHeld(owner({ capital: 0.1, votes: 0.1 }), register)).toBe('direct');
    expect(howHeld(owner({ person_id: 'p-lee', direct: false, capital: 0.32, votes: 0.32 }), register)).toBe('indirect');
    // more votes than capital beyond the direct holding is indirect too
    expect(howHeld(owner({ capital: 0.1, votes: 0.3 }), register)).toBe('both');
    // without the register, the API's word
    expect(howHeld(owner(), null)).toBe('direct');
    expect(howHeld(owner({ direct: false }), null)).toBe('indirect');
  });
  it('counts a joint holding in full for each joint holder, and rounding is no indirect interest', () => {
    const register = [line({ joint_holding_id: 'j1', joint_holders: [{ person_id: 'p-pat' }, { person_id: 'p-lee' }] }, 33.333333)];
    expect(howHeld(owner({ capital: 0.333333333, votes: 0.333333333, joint_holding_ids: ['j1'] }), register)).toBe('direct');
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
