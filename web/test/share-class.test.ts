import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../src/api.ts';
import { firstInvalidField, formRefusal } from '../src/ledger.ts';
import {
  CLASS_FIELDS, authorisedCell, classBody, classProblems, emptyClassDraft, type ClassDraft,
} from '../src/share-class.ts';
import type { ShareClass } from '../src/types.ts';

function draft(over: Partial<ClassDraft> = {}): ClassDraft {
  return { ...emptyClassDraft('key-1', '2025-01-01'), name: 'Preference', currency: 'EUR', authorised_shares: '500', ...over };
}

describe('a new share class form', () => {
  it('opens with a key of its own, nominal value 0, one vote per share and today as its date', () => {
    expect(emptyClassDraft('k', '2025-03-04')).toEqual({
      key: 'k', name: '', currency: '', nominal_value: '0', votes_per_share: '1', authorised_shares: '', unlimited: false,
      effective_from: '2025-03-04', reason: '', busy: false, errors: {}, summary: [],
    });
  });
});

describe('the share class form’s own checks', () => {
  it('passes a complete class, limited or unlimited', () => {
    expect(classProblems(draft())).toEqual({});
    expect(classProblems(draft({ unlimited: true, authorised_shares: '' }))).toEqual({});
    // what is typed while Unlimited is ticked does not matter
    expect(classProblems(draft({ unlimited: true, authorised_shares: 'lots' }))).toEqual({});
  });
  it('asks for every required field, in form order', () => {
    const e = classProblems(emptyClassDraft('k', ''));
    expect(e).toEqual({
      name: 'Enter the name of the class.',
      currency: 'Enter the currency as three letters (ISO 4217), e.g. EUR.',
      authorised_shares: 'Enter the authorised shares as a whole number, 1 or more, or choose Unlimited.',
      effective_from: 'Enter the date the authorised shares hold from.',
    });
    expect(firstInvalidField(CLASS_FIELDS, e)).toBe('name');
    expect(firstInvalidField(CLASS_FIELDS, { effective_from: 'x', currency: 'y' })).toBe('currency');
  });
  it('refuses a name the entity already has, too long, or with control characters', () => {
    expect(classProblems(draft({ name: ' Ordinary ' }), ['Ordinary']).name).toBe('This entity already has a class named Ordinary.');
    expect(classProblems(draft({ name: 'Ordinary B' }), ['Ordinary']).name).toBeUndefined();
    expect(classProblems(draft({ name: 'x'.repeat(201) })).name).toBe('Keep the name to 200 characters or fewer.');
    expect(classProblems(draft({ name: 'x'.repeat(200) })).name).toBeUndefined();
    expect(classProblems(draft({ name: 'A\nB' })).name).toBe('The name cannot contain line breaks or other control characters.');
  });
  it('takes an ISO 4217 code in any case and sends it in capitals', () => {
    for (const currency of ['EUR', 'eur', ' gbp ']) expect(classProblems(draft({ currency })).currency, currency).toBeUndefined();
    for (const currency of ['', 'EU', 'EURO', 'E1R', '€']) expect(classProblems(draft({ currency })).currency, currency).toBeDefined();
    expect(classBody(draft({ currency: ' eur ' })).currency).toBe('EUR');
  });
  it('wants decimals ≥ 0 with up to 6 decimals for the nominal value and the votes', () => {
    for (const v of ['0', '1', '0.01', '1000000.123456', '1.', '000']) {
      expect(classProblems(draft({ nominal_value: v, votes_per_share: v })), v).toEqual({});
    }
    for (const v of ['', '-1', '1.1234567', '.5', '1,5', '1e3', 'one', '1234567890123456']) {
      const e = classProblems(draft({ nominal_value: v, votes_per_share: v }));
      expect(e.nominal_value, v).toBe('Enter the nominal value: a number, 0 or more, with up to 6 decimals (e.g. 0.01).');
      expect(e.votes_per_share, v).toBe('Enter the votes per share: a number, 0 or more, with up to 6 decimals.');
    }
  });
  it('words the authorised shares, the date and the reason its own way', () => {
    expect(classProblems(draft({ authorised_shares: '0' })).authorised_shares).toBe('Enter the authorised shares as a whole number, 1 or more, or choose Unlimited.');
    expect(classProblems(draft({ authorised_shares: '1000000000000001' })).authorised_shares).toBe('Enter at most 1,000,000,000,000,000 shares.');
    expect(classProblems(draft({ effective_from: '2025-02-30', reason: 'x'.repeat(501) }))).toEqual({
      effective_from: 'Enter the date the authorised shares hold from.',
      reason: 'Keep the reason to 500 characters or fewer.',
    });
  });
});

describe('the request body', () => {
  it('sends what the API takes, trimmed, with the authorised shares as a number', () => {
    expect(classBody(draft({ name: ' Preference ', nominal_value: ' 0.01 ', votes_per_share: '0', authorised_shares: ' 500 ', reason: '  Resolution 4 ' }))).toEqual({
      name: 'Preference', currency: 'EUR', nominal_value: '0.01', votes_per_share: '0', authorised_shares: 500, effective_from: '2025-01-01', reason: 'Resolution 4',
    });
  });
  it('sends null for unlimited and leaves an empty reason out', () => {
    const body = classBody(draft({ unlimited: true, authorised_shares: '500', reason: '  ' }));
    expect(body.authorised_shares).toBeNull();
    expect('reason' in body).toBe(false);
  });
});

describe('a refused share class', () => {
  const refusal = (e: unknown) => formRefusal(e, CLASS_FIELDS, () => 'fallback');
  it('shows each 422 message next to the field the API names', () => {
    const error = new ApiProblem(422, 'validation_failed', '…', [
      { field: 'name', rule: 'unique', message: 'the entity already has a class of shares with this name' },
      { field: 'currency', rule: 'currency', message: 'must be an ISO 4217 code such as EUR, GBP or USD' },
      { field: 'authorised_shares', rule: 'positive', message: 'must be a whole number of shares from 1 to 10^15' },
      { field: 'effective_from', rule: 'date', message: 'must be a date as YYYY-MM-DD' },
      { field: 'certificated', rule: 'unknown_field', message: 'is not a field of a share class' },
    ]);
    const r = refusal(error);
    expect(r.errors).toEqual({
      name: 'the entity already has a class of shares with this name',
      currency: 'must be an ISO 4217 code such as EUR, GBP or USD',
      authorised_shares: 'must be a whole number of shares from 1 to 10^15',
      effective_from: 'must be a date as YYYY-MM-DD',
    });
    // the form has no field for it: the alert
    expect(r.summary).toEqual(['certificated: is not a field of a share class']);
    expect(firstInvalidField(CLASS_FIELDS, r.errors)).toBe('name');
  });
});

describe('the classes table’s authorised shares', () => {
  const cls = (over: Partial<ShareClass>): ShareClass => ({
    id: 'c1', entity_id: 'e1', name: 'Ordinary', currency: 'GBP', nominal_value: '1', votes_per_share: '1', authorised_shares: null, certificated: false, ...over,
  });
  it('says the shares authorised today, or Unlimited', () => {
    expect(authorisedCell(cls({ authorised_shares: 600, authorised_history: [{ valid_from: '2020-01-01', valid_to: null, authorised_shares: 600 }] }), '2025-01-01')).toBe('600');
    expect(authorisedCell(cls({ authorised_history: [{ valid_from: '2020-01-01', valid_to: null, authorised_shares: null }] }), '2025-01-01')).toBe('Unlimited');
    // without a history, the API's value
    expect(authorisedCell(cls({ authorised_shares: 500 }), '2025-01-01')).toBe('500');
    expect(authorisedCell(cls({}), '2025-01-01')).toBe('Unlimited');
  });
  it('follows the history on the browser’s day, the end date excluded', () => {
    const history = [
      { valid_from: '2020-01-01', valid_to: '2024-01-01', authorised_shares: 100 },
      { valid_from: '2024-01-01', valid_to: null, authorised_shares: 200 },
    ];
    // more than one period: with its neighbour (below)
    expect(authorisedCell(cls({ authorised_shares: 200, authorised_history: history }), '2023-12-31')).toBe('100 (200 from 2024-01-01)');
    expect(authorisedCell(cls({ authorised_shares: 200, authorised_history: history }), '2024-01-01')).toBe('200 from 2024-01-01 (100 before)');
  });
  it('does not call a class authorised from a later date unlimited', () => {
    const future = cls({ authorised_shares: null, authorised_history: [{ valid_from: '2030-01-01', valid_to: null, authorised_shares: 100 }] });
    expect(authorisedCell(future, '2025-01-01')).toBe('100 from 2030-01-01');
  });
  it('shows more than one period compactly: what holds today since when, what held before and what comes next', () => {
    const raised = [
      { valid_from: '2024-01-01', valid_to: null, authorised_shares: 5000 },
      // the API's order is not relied on
      { valid_from: '2020-01-01', valid_to: '2024-01-01', authorised_shares: 1000 },
    ];
    const c = cls({ authorised_shares: 5000, authorised_history: raised });
    expect(authorisedCell(c, '2025-01-01')).toBe(`${(5000).toLocaleString()} from 2024-01-01 (${(1000).toLocaleString()} before)`);
    expect(authorisedCell(c, '2024-01-01')).toBe(`${(5000).toLocaleString()} from 2024-01-01 (${(1000).toLocaleString()} before)`);
    // before the change: today's, then what comes
    expect(authorisedCell(c, '2023-12-31')).toBe(`${(1000).toLocaleString()} (${(5000).toLocaleString()} from 2024-01-01)`);
    const three = cls({ authorised_history: [
      { valid_from: '2020-01-01', valid_to: '2024-01-01', authorised_shares: 100 },
      { valid_from: '2024-01-01', valid_to: '2030-01-01', authorised_shares: null },
      { valid_from: '2030-01-01', valid_to: null, authorised_shares: 300 },
    ] });
    expect(authorisedCell(three, '2025-06-01')).toBe('Unlimited from 2024-01-01 (100 before; 300 from 2030-01-01)');
    // none holds yet: the first to come, and the next
    const later = cls({ authorised_history: [
      { valid_from: '2030-01-01', valid_to: '2031-01-01', authorised_shares: 100 },
      { valid_from: '2031-01-01', valid_to: null, authorised_shares: 200 },
    ] });
    expect(authorisedCell(later, '2025-01-01')).toBe('100 from 2030-01-01 (200 from 2031-01-01)');
  });
});
