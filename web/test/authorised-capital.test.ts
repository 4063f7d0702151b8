import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../src/api.ts';
import { firstInvalidField, formRefusal } from '../src/ledger.ts';
import {
  AUTHORISED_FIELDS, authorisedBody, authorisedHistoryText, authorisedProblems, emptyAuthorisedDraft, isCorrection, type AuthorisedDraft,
} from '../src/authorised-capital.ts';
import type { ShareClass } from '../src/types.ts';

const TODAY = '2025-01-01';

function draft(over: Partial<AuthorisedDraft> = {}): AuthorisedDraft {
  return { ...emptyAuthorisedDraft('key-1', 'class-1', TODAY), authorised_shares: '5000', ...over };
}

describe('a change of authorised capital form', () => {
  it('opens for one class with a key of its own and today as its date', () => {
    expect(emptyAuthorisedDraft('k', 'c1', '2025-03-04')).toEqual({
      key: 'k', classId: 'c1', authorised_shares: '', unlimited: false, effective_from: '2025-03-04', reason: '', busy: false, errors: {}, summary: [],
    });
  });
});

describe('the form’s own checks', () => {
  it('passes a number or Unlimited from today on without a reason', () => {
    expect(authorisedProblems(draft(), TODAY)).toEqual({});
    expect(authorisedProblems(draft({ effective_from: '2026-01-01' }), TODAY)).toEqual({});
    expect(authorisedProblems(draft({ unlimited: true, authorised_shares: '' }), TODAY)).toEqual({});
    // what is typed while Unlimited is ticked does not matter
    expect(authorisedProblems(draft({ unlimited: true, authorised_shares: 'lots' }), TODAY)).toEqual({});
  });
  it('wants a whole number of shares from 1 to 10^15', () => {
    for (const n of ['', '0', '-5', '1.5', '1,000', 'many']) {
      expect(authorisedProblems(draft({ authorised_shares: n }), TODAY).authorised_shares, n)
        .toBe('Enter the authorised shares as a whole number, 1 or more, or choose Unlimited.');
    }
    expect(authorisedProblems(draft({ authorised_shares: '1000000000000001' }), TODAY).authorised_shares).toBe('Enter at most 1,000,000,000,000,000 shares.');
    expect(authorisedProblems(draft({ authorised_shares: ' 900 ' }), TODAY)).toEqual({});
  });
  it('wants a date, and a reason for a change from before today, as the API does', () => {
    expect(authorisedProblems(draft({ effective_from: '' }), TODAY)).toEqual({ effective_from: 'Enter the date the authorised capital holds from.' });
    expect(authorisedProblems(draft({ effective_from: '2024-02-30' }), TODAY).effective_from).toBeDefined();
    expect(authorisedProblems(draft({ effective_from: '2024-01-01' }), TODAY)).toEqual({
      reason: 'Give the reason, e.g. the resolution: a change from before today corrects the record.',
    });
    expect(authorisedProblems(draft({ effective_from: '2024-01-01', reason: '   ' }), TODAY).reason).toBeDefined();
    expect(authorisedProblems(draft({ effective_from: '2024-01-01', reason: 'Ordinary resolution 12' }), TODAY)).toEqual({});
    expect(authorisedProblems(draft({ effective_from: '2024-01-01', reason: 'x'.repeat(501) }), TODAY).reason).toBe('Keep the reason to 500 characters or fewer.');
    expect(isCorrection({ effective_from: '2024-12-31' }, TODAY)).toBe(true);
    expect(isCorrection({ effective_from: TODAY }, TODAY)).toBe(false);
    expect(isCorrection({ effective_from: 'nonsense' }, TODAY)).toBe(false);
  });
  it('puts the fields in form order', () => {
    const e = authorisedProblems(draft({ authorised_shares: '', effective_from: '2020-01-01' }), TODAY);
    expect(Object.keys(e).sort()).toEqual(['authorised_shares', 'reason']);
    expect(firstInvalidField(AUTHORISED_FIELDS, e)).toBe('authorised_shares');
  });
});

describe('the request body', () => {
  it('sends the shares as a number, the date and the trimmed reason', () => {
    expect(authorisedBody(draft({ authorised_shares: ' 5000 ', effective_from: '2024-01-01', reason: ' Ordinary resolution 12 ' }))).toEqual({
      authorised_shares: 5000, effective_from: '2024-01-01', reason: 'Ordinary resolution 12',
    });
  });
  it('sends null for unlimited and leaves an empty reason out', () => {
    expect(authorisedBody(draft({ unlimited: true, reason: ' ' }))).toEqual({ authorised_shares: null, effective_from: TODAY });
  });
});

describe('a refused change', () => {
  it('shows the ledger’s refusal next to the authorised shares, and the rest in the alert', () => {
    const error = new ApiProblem(422, 'validation_failed', '…', [
      { field: 'authorised_shares', rule: 'exceeds_authorised', message: '1000 shares would be issued on 2023-06-30, more than the 900 authorised' },
      { field: 'reason', rule: 'required_for_correction', message: 'a change effective before today is a correction and must give a reason' },
      { field: 'currency', rule: 'unknown_field', message: 'is not a field of a change of authorised capital' },
    ]);
    const r = formRefusal(error, AUTHORISED_FIELDS, () => 'fallback');
    expect(r.errors).toEqual({
      authorised_shares: '1000 shares would be issued on 2023-06-30, more than the 900 authorised',
      reason: 'a change effective before today is a correction and must give a reason',
    });
    expect(r.summary).toEqual(['currency: is not a field of a change of authorised capital']);
    expect(firstInvalidField(AUTHORISED_FIELDS, r.errors)).toBe('authorised_shares');
  });
  it('shows a 403’s detail in the alert', () => {
    const r = formRefusal(new ApiProblem(403, 'forbidden', 'your role does not allow this action'), AUTHORISED_FIELDS, () => 'fallback');
    expect(r).toEqual({ errors: {}, summary: ['your role does not allow this action'] });
  });
});

describe('the authorised capital on record, as the form shows it', () => {
  const cls = (over: Partial<ShareClass>): ShareClass => ({
    id: 'c1', entity_id: 'e1', name: 'Ordinary', currency: 'GBP', nominal_value: '1', votes_per_share: '1', authorised_shares: null, ...over,
  });
  it('lists every period, earliest first, the last open-ended', () => {
    const history = [
      { valid_from: '2024-01-01', valid_to: null, authorised_shares: 5000 },
      { valid_from: '2020-01-01', valid_to: '2024-01-01', authorised_shares: 1000 },
    ];
    expect(authorisedHistoryText(cls({ authorised_history: history })))
      .toBe(`${(1000).toLocaleString()} from 2020-01-01 until 2024-01-01; ${(5000).toLocaleString()} from 2024-01-01`);
    expect(authorisedHistoryText(cls({ authorised_history: [{ valid_from: '2020-01-01', valid_to: null, authorised_shares: null }] }))).toBe('Unlimited from 2020-01-01');
  });
  it('says what the API says without a history', () => {
    expect(authorisedHistoryText(cls({ authorised_shares: 500 }))).toBe('500');
    expect(authorisedHistoryText(cls({ authorised_shares: undefined }))).toBe('');
  });
});
