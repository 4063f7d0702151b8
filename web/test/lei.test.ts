import { describe, expect, it } from 'vitest';
import { checkLei, leiCheckDigits } from '../src/lei.ts';

describe('ISO 17442 LEI check digits', () => {
  it('accepts real LEIs', () => {
    expect(checkLei('851WYGNLUQLFZBSYGB56')).toEqual({ ok: true }); // from the API docs
    expect(checkLei('5493001KJTIIGC8Y1R12')).toEqual({ ok: true }); // Bloomberg Finance L.P.
    expect(checkLei('529900t8bm49aursdo55')).toEqual({ ok: true }); // lower case is tolerated
  });
  it('refuses a wrong check digit', () => {
    expect(checkLei('851WYGNLUQLFZBSYGB57')).toEqual({ ok: false, reason: 'check_digits' });
  });
  it('refuses wrong length and characters', () => {
    expect(checkLei('851WYGNLUQ')).toEqual({ ok: false, reason: 'length' });
    expect(checkLei('851WYGNLUQLFZBSY-B56')).toEqual({ ok: false, reason: 'characters' });
    expect(checkLei('851WYGNLUQLFZBSYGBAB')).toEqual({ ok: false, reason: 'characters' });
  });
  it('computes the check digits of a prefix', () => {
    expect(leiCheckDigits('851WYGNLUQLFZBSYGB')).toBe('56');
    const prefix = 'ABCDEFGHIJKLMNOP00';
    expect(checkLei(prefix + leiCheckDigits(prefix))).toEqual({ ok: true });
  });
});
