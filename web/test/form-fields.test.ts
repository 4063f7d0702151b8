import { describe, expect, it } from 'vitest';
import { nothing, type TemplateResult } from 'lit';
import { ariaInvalid, describedBy, errorLine } from '../src/form-fields.ts';

type Field = 'shares' | 'reason';
const ids: Record<Field, string> = { shares: 'tx-shares', reason: 'tx-reason' };

describe('a form field’s error line and the attributes pointing to it', () => {
  const errors: Partial<Record<Field, string>> = { shares: 'Enter a whole number of shares, 1 or more.' };
  it('marks only a field with a message invalid', () => {
    expect(ariaInvalid(errors, 'shares')).toBe('true');
    expect(ariaInvalid(errors, 'reason')).toBe('false');
    expect(ariaInvalid<Field>({ reason: '' }, 'reason')).toBe('false');
  });
  it('describes a field by the ids given (empty ones left out), then its error line while it has one', () => {
    expect(describedBy(ids, errors, 'shares', 'tx-shares-hint')).toBe('tx-shares-hint tx-shares-error');
    expect(describedBy(ids, errors, 'shares', 'tx-shares-hint', '', 'tx-shares-picked')).toBe('tx-shares-hint tx-shares-picked tx-shares-error');
    expect(describedBy(ids, errors, 'reason', 'tx-reason-hint')).toBe('tx-reason-hint');
    expect(describedBy(ids, errors, 'reason')).toBe('');
  });
  it('shows the message under the field, with the id it is described by and the field it is for', () => {
    const line = errorLine(ids, errors, 'shares') as TemplateResult;
    expect(line.strings.join('…')).toBe('<p class="error" id="…-error" data-error-for=…>…</p>');
    expect(line.values).toEqual(['tx-shares', 'shares', 'Enter a whole number of shares, 1 or more.']);
    expect(errorLine(ids, errors, 'reason')).toBe(nothing);
  });
});
