import { describe, expect, it } from 'vitest';
import { ApiProblem, NetworkError } from '../src/api.ts';
import {
  dateAndReasonProblems, firstInvalidField, formRefusal, isDate, ledgerRows, reasonProblem, reasonRefused, refusalMessages, sharesCell, sharesProblem,
} from '../src/ledger.ts';
import type { ShareTransaction } from '../src/types.ts';

const pat = { person_id: 'p-pat' };
const lee = { person_id: 'p-lee' };

function tx(over: Partial<ShareTransaction> & Pick<ShareTransaction, 'id' | 'kind'>): ShareTransaction {
  return {
    issuer_id: 'e-1',
    share_class_id: 'c-ord',
    share_class: 'Ordinary',
    effective_from: '2022-01-01',
    from_holder: null,
    to_holder: null,
    from_holder_name: null,
    to_holder_name: null,
    shares: 0,
    to_share_class_id: null,
    to_share_class: null,
    to_shares: null,
    ratio_numerator: null,
    ratio_denominator: null,
    reason: null,
    reverses: null,
    reversed_by: null,
    recorded_at: '2024-06-01T10:00:00Z',
    recorded_by: 'key:e2e',
    ...over,
  };
}

const issuance = tx({ id: 't-1', kind: 'issuance', to_holder: pat, to_holder_name: 'Pat Smith', shares: 600 });
const transfer = tx({ id: 't-2', kind: 'transfer', effective_from: '2024-01-01', from_holder: pat, to_holder: lee, shares: 100, reversed_by: 't-3' });
const reversal = tx({ id: 't-3', kind: 'reversal', effective_from: '2024-01-01', reverses: 't-2', reason: 'Entered against the wrong holder' });

describe('share ledger rows', () => {
  it('marks a reversed transaction and names it on its reversal', () => {
    const rows = ledgerRows([issuance, transfer, reversal]);
    expect(rows.map((r) => [r.kind, r.status, r.reversed, r.reversible])).toEqual([
      ['Issuance', '', false, true],
      ['Transfer', 'Reversed', true, false],
      ['Reversal', 'Reverses transfer of 2024-01-01', false, false],
    ]);
    expect(rows[0].reverseLabel).toBe('Reverse issuance of 2022-01-01');
    expect(rows[0].reverseTitle).toBe('Reverse the issuance of 2022-01-01');
    expect(rows[0].shareClass).toBe('Ordinary');
  });

  it('knows a reversed transaction from its reversal when reversed_by is missing', () => {
    const rows = ledgerRows([issuance, { ...transfer, reversed_by: undefined }, reversal]);
    expect(rows[1].reversed).toBe(true);
    expect(rows[1].reversible).toBe(false);
  });

  it('words a reversal whose transaction is not in the list, and falls back to the class id', () => {
    const [row] = ledgerRows([{ ...reversal, reverses: 'elsewhere', share_class: undefined }]);
    expect(row.status).toBe('Reverses an earlier transaction');
    expect(row.reversible).toBe(false);
    expect(row.shareClass).toBe('c-ord');
  });

  it('is empty for an empty ledger', () => {
    expect(ledgerRows([])).toEqual([]);
  });
});

describe('the shares cell', () => {
  it('shows a count with the locale’s grouping', () => {
    expect(sharesCell(tx({ id: 'a', kind: 'issuance', shares: 1234567 }))).toBe((1234567).toLocaleString());
    expect(sharesCell(issuance)).toBe('600');
  });
  it('shows no count for a reversal (it moves no shares of its own)', () => {
    expect(sharesCell({ ...reversal, shares: 0 })).toBe('—');
  });
  it('shows a split as its ratio', () => {
    expect(sharesCell(tx({ id: 's', kind: 'split', ratio_numerator: 2, ratio_denominator: 1 }))).toBe('2:1');
  });
  it('shows a conversion with the shares it becomes and the target class', () => {
    const c = tx({ id: 'c', kind: 'conversion', shares: 100, to_shares: 50, to_share_class_id: 'c-pref', to_share_class: 'Preference' });
    expect(sharesCell(c)).toBe('100 → 50 Preference');
    expect(sharesCell({ ...c, to_shares: null, to_share_class: null })).toBe('100 → 100 c-pref');
  });
});

describe('a reversal’s reason and refusals', () => {
  it('needs a reason of 1 to 500 characters', () => {
    expect(reasonProblem('')).toBe('Give the reason for the reversal.');
    expect(reasonProblem('   ')).toBe('Give the reason for the reversal.');
    expect(reasonProblem('x'.repeat(501))).toBe('Keep the reason to 500 characters or fewer.');
    expect(reasonProblem('x'.repeat(500))).toBeNull();
  });

  const fallback = () => 'fallback';
  it('shows a 422’s field messages (naming the date)', () => {
    const e = new ApiProblem(422, 'validation_failed', 'shares: the holder would hold -100 shares on 2024-01-01', [
      { field: 'shares', rule: 'insufficient_shares', message: 'the holder would hold -100 shares on 2024-01-01: not enough shares at that date' },
    ]);
    expect(refusalMessages(e, fallback)).toEqual(['the holder would hold -100 shares on 2024-01-01: not enough shares at that date']);
    expect(reasonRefused(e)).toBe(false);
    expect(reasonRefused(new ApiProblem(422, 'validation_failed', 'reason: required', [{ field: 'reason', rule: 'required', message: 'say why' }]))).toBe(true);
  });
  it('shows a 403’s detail', () => {
    expect(refusalMessages(new ApiProblem(403, 'forbidden', 'your role does not allow this action'), fallback)).toEqual(['your role does not allow this action']);
  });
  it('leaves network failures, 5xx and 401 to the app’s wording', () => {
    expect(refusalMessages(new NetworkError('offline'), fallback)).toEqual(['fallback']);
    expect(refusalMessages(new ApiProblem(503, 'unavailable', 'a database did not answer'), fallback)).toEqual(['fallback']);
    expect(refusalMessages(new ApiProblem(401, 'unauthenticated', 'send an API key'), fallback)).toEqual(['fallback']);
    expect(refusalMessages(new Error('boom'), fallback)).toEqual(['fallback']);
  });
});

describe('a form’s checks of its shares, date and reason', () => {
  it('wants a whole number of shares from 1 to 10^15', () => {
    for (const typed of ['', ' ', '0', '-5', '1.5', '1e3', 'ten', '00']) expect(sharesProblem(typed, 'whole', 'too many'), typed).toBe('whole');
    expect(sharesProblem('1000000000000001', 'whole', 'too many')).toBe('too many');
    for (const typed of [' 1 ', '50', '1000000000000000']) expect(sharesProblem(typed, 'whole', 'too many'), typed).toBeNull();
  });
  it('wants a real calendar date', () => {
    for (const value of ['2024-02-29', '2025-01-01']) expect(isDate(value), value).toBe(true);
    for (const value of ['', '2025-02-30', '2025-13-01', '2025-1-1', '01/02/2025', '2025-01-01T00:00']) expect(isDate(value), value).toBe(false);
  });
  it('wants a real date and a reason of at most 500 characters', () => {
    expect(dateAndReasonProblems({ effective_from: '2025-02-30', reason: 'x'.repeat(501) }, 'no date')).toEqual({
      effective_from: 'no date',
      reason: 'Keep the reason to 500 characters or fewer.',
    });
    expect(dateAndReasonProblems({ effective_from: '2025-01-01', reason: ` ${'x'.repeat(500)} ` }, 'no date')).toEqual({});
  });
});

describe('a refused form', () => {
  const fields = ['to_holder', 'shares', 'effective_from'] as const;
  const fallback = (e: unknown) => `fallback: ${e instanceof Error ? e.message : String(e)}`;
  it('shows each 422 message next to the form’s field it names: a nested field’s at its owner, a field’s first one', () => {
    const e = new ApiProblem(422, 'validation_failed', '…', [
      { field: 'to_holder.person_id', rule: 'uuid', message: 'must be a UUID' },
      { field: 'to_holder', rule: 'exists', message: 'no person, entity or joint holding with this id in this tenant' },
      { field: 'shares', rule: 'insufficient_shares', message: 'the holder would hold -100 shares on 2025-01-01: not enough shares at that date' },
      { field: 'effective_from', rule: 'date', message: 'must be a date as YYYY-MM-DD' },
    ]);
    expect(formRefusal(e, fields, fallback)).toEqual({
      errors: {
        to_holder: 'must be a UUID',
        shares: 'the holder would hold -100 shares on 2025-01-01: not enough shares at that date',
        effective_from: 'must be a date as YYYY-MM-DD',
      },
      summary: [],
    });
  });
  it('puts what no field of the form owns in the alert, naming the field, each message once', () => {
    const e = new ApiProblem(422, 'validation_failed', '…', [
      { field: 'from_holder', rule: 'not_allowed', message: 'does not belong to this kind of transaction' },
      { field: 'addresses[0].city', rule: 'required', message: 'is required' },
      { field: 'body', rule: 'required', message: 'incomplete share transaction' },
      { field: '', rule: 'required', message: 'incomplete share transaction' },
    ]);
    expect(formRefusal(e, fields, fallback)).toEqual({
      errors: {},
      summary: ['from_holder: does not belong to this kind of transaction', 'addresses.0.city: is required', 'incomplete share transaction'],
    });
  });
  it('shows a 422 without fields (a reused Idempotency-Key) and a 403 by their detail, and leaves network failures and 5xx to the app’s wording', () => {
    const reused = new ApiProblem(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key');
    expect(formRefusal(reused, fields, fallback)).toEqual({ errors: {}, summary: ['this Idempotency-Key was used with a different request; use a new key'] });
    expect(formRefusal(new ApiProblem(403, 'forbidden', 'your role does not allow this action'), fields, fallback))
      .toEqual({ errors: {}, summary: ['your role does not allow this action'] });
    expect(formRefusal(new NetworkError('Failed to fetch'), fields, fallback)).toEqual({ errors: {}, summary: ['fallback: Failed to fetch'] });
    expect(formRefusal(new ApiProblem(503, 'unavailable', 'a database did not answer'), fields, fallback).summary).toEqual(['fallback: a database did not answer']);
  });
  it('focuses the first field with a message, in form order', () => {
    expect(firstInvalidField(fields, { effective_from: 'x', to_holder: 'y' })).toBe('to_holder');
    expect(firstInvalidField(fields, { effective_from: 'x', from_holder: 'y' } as Record<string, string>)).toBe('effective_from');
    expect(firstInvalidField(fields, {})).toBeNull();
  });
});
