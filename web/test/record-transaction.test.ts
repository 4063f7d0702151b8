import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../src/api.ts';
import { firstInvalidField, formRefusal } from '../src/ledger.ts';
import {
  emptyRecordDraft, holdingsOf, localToday, rankMatches, recordBody, recordFields, recordProblems, sharesHeld,
  type RecordDraft,
} from '../src/record-transaction.ts';
import type { RegisterLine } from '../src/types.ts';

const pat = { holder: { person_id: 'p-pat' }, name: 'Pat Smith' };
const lee = { holder: { person_id: 'p-lee' }, name: 'Lee Chan' };
const parent = { holder: { entity_id: 'e-parent' }, name: 'Example Parent Corp' };

function draft(over: Partial<RecordDraft> = {}): RecordDraft {
  return { ...emptyRecordDraft('key-1', '2025-01-01'), share_class_id: 'c-ord', ...over };
}
const transfer = (over: Partial<RecordDraft> = {}) =>
  draft({ kind: 'transfer', from: pat, fromQuery: 'Pat Smith', to: lee, toQuery: 'Lee Chan', shares: '50', ...over });

describe('a new transaction form', () => {
  it('opens as an issuance dated today with a key of its own and nothing else filled in', () => {
    const d = emptyRecordDraft('k', '2025-03-04');
    expect(d).toMatchObject({ key: 'k', kind: 'issuance', share_class_id: '', from: null, to: null, shares: '', effective_from: '2025-03-04', reason: '', busy: false, errors: {}, summary: [] });
  });
  it('knows today in the browser’s time zone', () => {
    expect(localToday(new Date(2025, 0, 9, 23, 59))).toBe('2025-01-09');
  });
  it('shows From and To as the kind needs them', () => {
    expect(recordFields('issuance')).toEqual(['kind', 'share_class_id', 'to_holder', 'shares', 'effective_from', 'reason']);
    expect(recordFields('transfer')).toEqual(['kind', 'share_class_id', 'from_holder', 'to_holder', 'shares', 'effective_from', 'reason']);
    expect(recordFields('cancellation')).toEqual(['kind', 'share_class_id', 'from_holder', 'shares', 'effective_from', 'reason']);
  });
});

describe('the form’s own checks', () => {
  it('passes a complete transfer', () => {
    expect(recordProblems(transfer())).toEqual({});
  });
  it('asks for every required field of the kind', () => {
    const e = recordProblems(draft({ kind: 'transfer', share_class_id: '', effective_from: '' }));
    expect(e).toEqual({
      share_class_id: 'Choose the class of shares.',
      from_holder: 'Pick the holder the shares come from.',
      to_holder: 'Pick the holder the shares go to.',
      shares: 'Enter a whole number of shares, 1 or more.',
      effective_from: 'Enter the date the transaction takes effect.',
    });
    expect(firstInvalidField(recordFields('transfer'), e)).toBe('share_class_id');
    // an issuance has no From, a cancellation no To
    expect(Object.keys(recordProblems(draft({ kind: 'issuance' })))).toEqual(['to_holder', 'shares']);
    expect(Object.keys(recordProblems(draft({ kind: 'cancellation' })))).toEqual(['from_holder', 'shares']);
  });
  it('wants a holder picked, not only a name typed', () => {
    expect(recordProblems(transfer({ to: null, toQuery: 'Lee' })).to_holder).toBe('Pick a holder from the list: typing a name is not enough.');
  });
  it('refuses a transfer to the holder it comes from', () => {
    expect(recordProblems(transfer({ to: { ...pat } })).to_holder).toBe('The shares must go to another holder than the one they come from.');
  });
  it('words a number of shares, a date and a reason its own way', () => {
    expect(recordProblems(transfer({ shares: '1.5' })).shares).toBe('Enter a whole number of shares, 1 or more.');
    expect(recordProblems(transfer({ shares: '1000000000000001' })).shares).toBe('Enter at most 1,000,000,000,000,000 shares.');
    expect(recordProblems(transfer({ effective_from: '2025-02-30', reason: 'x'.repeat(501) }))).toEqual({
      effective_from: 'Enter the date the transaction takes effect.',
      reason: 'Keep the reason to 500 characters or fewer.',
    });
  });
});

describe('the request body', () => {
  it('sends a transfer with both holders, the shares as a number and the trimmed reason', () => {
    expect(recordBody(transfer({ shares: ' 50 ', reason: '  Stock transfer form 12 ' }))).toEqual({
      kind: 'transfer', share_class_id: 'c-ord', from_holder: { person_id: 'p-pat' }, to_holder: { person_id: 'p-lee' },
      shares: 50, effective_from: '2025-01-01', reason: 'Stock transfer form 12',
    });
  });
  it('sends only the holder the kind takes, and no empty reason', () => {
    expect(recordBody(transfer({ kind: 'issuance', to: parent }))).toEqual({
      kind: 'issuance', share_class_id: 'c-ord', to_holder: { entity_id: 'e-parent' }, shares: 50, effective_from: '2025-01-01',
    });
    expect(recordBody(transfer({ kind: 'cancellation', reason: '   ' }))).toEqual({
      kind: 'cancellation', share_class_id: 'c-ord', from_holder: { person_id: 'p-pat' }, shares: 50, effective_from: '2025-01-01',
    });
  });
  it('names a joint holding by its id alone', () => {
    const joint = { holder: { joint_holding_id: 'j-1', joint_holders: [{ person_id: 'p-pat' }, { person_id: 'p-lee' }] }, name: 'Pat Smith & Lee Chan' };
    expect(recordBody(transfer({ from: joint })).from_holder).toEqual({ joint_holding_id: 'j-1' });
  });
});

describe('a refusal', () => {
  const fallback = () => 'fallback';
  const refusal = (e: unknown, kind: RecordDraft['kind']) => formRefusal(e, recordFields(kind), fallback);
  it('puts an overdrawn transfer’s message next to the field the server names', () => {
    const message = 'the holder would hold -100 shares on 2025-01-01: not enough shares at that date';
    const e = new ApiProblem(422, 'validation_failed', `shares: ${message}`, [{ field: 'shares', rule: 'insufficient_shares', message }]);
    expect(refusal(e, 'transfer')).toEqual({ errors: { shares: message }, summary: [] });
    const onFrom = new ApiProblem(422, 'validation_failed', '', [{ field: 'from_holder', rule: 'insufficient_shares', message }]);
    expect(refusal(onFrom, 'transfer')).toEqual({ errors: { from_holder: message }, summary: [] });
  });
  it('gives a holder’s nested field to its picker, and a holder the kind has not to the alert', () => {
    const e = new ApiProblem(422, 'validation_failed', '', [
      { field: 'to_holder.person_id', rule: 'uuid', message: 'must be a UUID' },
      { field: 'from_holder', rule: 'not_allowed', message: 'does not belong to this kind of transaction' },
    ]);
    expect(refusal(e, 'issuance')).toEqual({ errors: { to_holder: 'must be a UUID' }, summary: ['from_holder: does not belong to this kind of transaction'] });
    expect(refusal(e, 'transfer').errors).toEqual({ to_holder: 'must be a UUID', from_holder: 'does not belong to this kind of transaction' });
  });
  it('focuses the first field with a message, in form order', () => {
    expect(firstInvalidField(recordFields('transfer'), { reason: 'x', from_holder: 'y' })).toBe('from_holder');
    expect(firstInvalidField(recordFields('issuance'), { from_holder: 'y' })).toBeNull();
  });
});

describe('the current holders', () => {
  const line = (holder: RegisterLine['holder'], holder_name: string | null, share_class_id: string, shares: number): RegisterLine => ({
    holder, holder_name, share_class_id, share_class: share_class_id === 'c-ord' ? 'Ordinary' : 'Preference', shares, capital_pct: 0, votes_pct: 0,
  });
  const lines = [
    line({ person_id: 'p-lee' }, 'Lee Chan', 'c-ord', 100),
    line({ person_id: 'p-pat' }, 'Pat Smith', 'c-ord', 500),
    line({ person_id: 'p-pat' }, 'Pat Smith', 'c-pref', 20),
    line({ joint_holding_id: 'j-1', joint_holders: [{ person_id: 'p-pat' }] }, null, 'c-ord', 100),
  ];
  it('lists the holders of the chosen class, most shares first', () => {
    expect(holdingsOf(lines, 'c-ord')).toEqual([
      { holder: { person_id: 'p-pat' }, name: 'Pat Smith', shares: 500 },
      { holder: { joint_holding_id: 'j-1' }, name: 'joint:j-1', shares: 100 },
      { holder: { person_id: 'p-lee' }, name: 'Lee Chan', shares: 100 },
    ]);
    expect(holdingsOf(lines, 'c-none')).toEqual([]);
  });
  it('tells how many shares of the class a holder has', () => {
    expect(sharesHeld(lines, 'c-ord', { person_id: 'p-pat' })).toBe(500);
    expect(sharesHeld(lines, 'c-pref', { person_id: 'p-lee' })).toBe(0);
    expect(sharesHeld(lines, 'c-ord', { joint_holding_id: 'j-1' })).toBe(100);
  });
});

describe('a holder search’s matches', () => {
  const m = (person_id: string, name: string) => ({ holder: { person_id }, name, kind: 'person' });
  const lines: RegisterLine[] = [
    { holder: { person_id: 'p-lee-2' }, holder_name: 'Lee Chan', share_class_id: 'c-ord', share_class: 'Ordinary', shares: 100, capital_pct: 0, votes_pct: 0 },
  ];
  it('puts the namesake on the register first, with the shares held', () => {
    const matches = [m('p-lee-1', 'Lee Chan'), m('p-lee-2', 'Lee Chan'), m('p-lee-3', 'Lee Chan')];
    expect(rankMatches(matches, lines, 'c-ord').map((r) => [r.match.holder.person_id, r.held])).toEqual([['p-lee-2', 100], ['p-lee-1', 0], ['p-lee-3', 0]]);
    expect(rankMatches(matches, null, 'c-ord').map((r) => r.held)).toEqual([0, 0, 0]);
    expect(rankMatches(matches, lines, '').map((r) => r.match.holder.person_id)).toEqual(['p-lee-1', 'p-lee-2', 'p-lee-3']);
  });
});
