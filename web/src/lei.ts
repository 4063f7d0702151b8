/** ISO 17442 Legal Entity Identifier: 18 characters and two check digits (ISO 7064 MOD 97-10). */

export type LeiCheck = { ok: true } | { ok: false; reason: 'length' | 'characters' | 'check_digits' };

function mod97(digits: string): number {
  let rest = 0;
  for (const ch of digits) rest = (rest * 10 + (ch.charCodeAt(0) - 48)) % 97;
  return rest;
}

/** Letters become two digits (A = 10 … Z = 35). */
function numeric(text: string): string {
  let out = '';
  for (const ch of text) out += /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
  return out;
}

export function checkLei(raw: string): LeiCheck {
  const lei = raw.trim().toUpperCase();
  if (lei.length !== 20) return { ok: false, reason: 'length' };
  if (!/^[0-9A-Z]{18}[0-9]{2}$/.test(lei)) return { ok: false, reason: 'characters' };
  return mod97(numeric(lei)) === 1 ? { ok: true } : { ok: false, reason: 'check_digits' };
}

/** The two check digits for an 18-character LEI prefix. */
export function leiCheckDigits(prefix: string): string {
  const rest = mod97(numeric(prefix.toUpperCase()) + '00');
  return String(98 - rest).padStart(2, '0');
}
