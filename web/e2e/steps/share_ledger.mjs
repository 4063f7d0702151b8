// The share ledger tab: reversing a transaction entered in error, and a
// reversal the ledger refuses (features/web/share_ledger.feature).
import { Given, When, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const app = (w) => w.page.locator('charter-app').first();
const TIMEOUT = { timeout: 20_000 };
const ISSUED_ON = '2022-01-01';
const TRANSFERRED_ON = '2024-01-01';

async function expectVisible(locator, what) {
  await locator.first().waitFor({ state: 'visible', ...TIMEOUT }).catch(() => {
    throw new Error(`not visible: ${what}`);
  });
}

async function ledgerOf(w) {
  return (await w.api('GET', `/api/v1/tenants/acme/entities/${w.ledger.entity.id}/share-transactions`)).body;
}

async function openLedger(w) {
  await w.open(`/#/acme/entities/${w.ledger.entity.id}/ledger`, { standaloneKey: w.keys.acme });
  const a = app(w);
  await expectVisible(a.getByRole('heading', { name: w.ledger.entity.legal_name, level: 1 }), 'the entity page');
  await expectVisible(a.getByRole('table', { name: 'Share ledger' }), 'the share ledger table');
  assert.equal(await a.getByRole('link', { name: 'Share ledger' }).getAttribute('aria-current'), 'page');
  await expectVisible(a.locator('tr[data-kind="transfer"]', { hasText: 'Lee Chan' }), 'the transfer to Lee Chan');
  await w.checkAccessibility('share ledger');
}

async function openReversal(w, label, reason) {
  const a = app(w);
  await a.getByRole('button', { name: label, exact: true }).click();
  const field = a.getByLabel('Reason', { exact: true });
  await expectVisible(field, 'the reversal form');
  assert.equal(await field.evaluate((el) => el.getRootNode().activeElement === el), true, 'focus moves to the reason');
  await field.fill(reason);
  await w.checkAccessibility(`share ledger: ${label}`);
}

Given('an entity whose ledger has {int} shares issued to {string} and {int} of them transferred to {string}', async function (issued, first, moved, second) {
  const suffix = randomBytes(3).toString('hex');
  const entity = (await this.api('POST', '/api/v1/tenants/acme/entities', { legal_name: `Ledger ${suffix} Ltd`, jurisdiction: 'GB', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
  const cls = (await this.api('POST', `/api/v1/tenants/acme/entities/${entity.id}/share-classes`, {
    name: 'Ordinary', currency: 'GBP', nominal_value: '1', votes_per_share: '1', authorised_shares: 1000, effective_from: ISSUED_ON, reason: 'e2e seed',
  })).body;
  const person = async (name) => {
    const [given_name, ...family] = name.split(' ');
    return (await this.api('POST', '/api/v1/tenants/acme/persons', { given_name, family_name: family.join(' ') })).body;
  };
  const [a, b] = [await person(first), await person(second)];
  const record = async (body) => (await this.api('POST', '/api/v1/tenants/acme/share-transactions', { share_class_id: cls.id, reason: 'e2e seed', ...body })).body;
  const issuance = await record({ kind: 'issuance', to_holder: { person_id: a.id }, shares: issued, effective_from: ISSUED_ON });
  const transfer = await record({ kind: 'transfer', from_holder: { person_id: a.id }, to_holder: { person_id: b.id }, shares: moved, effective_from: TRANSFERRED_ON });
  this.ledger = { entity, cls, holders: { [first]: a, [second]: b }, issuance, transfer };
});

When('I open its share ledger and reverse the transfer giving the reason {string}', async function (reason) {
  await openLedger(this);
  await openReversal(this, `Reverse transfer of ${TRANSFERRED_ON}`, reason);
  this.ledger.reason = reason;
  // a double click sends (at most) one reversal: one Idempotency-Key per opening
  await app(this).getByRole('button', { name: 'Reverse transaction' }).dblclick();
  await expectVisible(app(this).getByRole('status').filter({ hasText: 'Transaction reversed.' }), 'the success announcement');
});

Then('the transfer is shown as reversed and a reversal row names the transfer', async function () {
  const a = app(this);
  const reversal = a.locator('tr[data-kind="reversal"]');
  await expectVisible(reversal, 'the reversal row');
  assert.equal(await reversal.count(), 1, 'one reversal row');
  assert.match(await reversal.innerText(), new RegExp(`Reverses transfer of ${TRANSFERRED_ON}`));
  assert.match(await reversal.innerText(), new RegExp(this.ledger.reason));
  const transfer = a.locator(`tr[data-transaction="${this.ledger.transfer.id}"]`);
  assert.match(await transfer.innerText(), /Reversed/);
  assert.match(await transfer.getAttribute('class'), /reversed/);
  assert.equal(await a.getByRole('button', { name: `Reverse transfer of ${TRANSFERRED_ON}` }).count(), 0, 'a reversed transfer is not offered again');
  assert.equal(await a.getByRole('button', { name: 'Reverse reversal', exact: false }).count(), 0, 'a reversal is not offered for reversal');
  // the form is gone; the issuance may still be reversed
  assert.equal(await a.getByLabel('Reason', { exact: true }).count(), 0);
  await expectVisible(a.getByRole('button', { name: `Reverse issuance of ${ISSUED_ON}` }), 'the issuance still reversible');
  // and the server recorded exactly one reversal, with the reason
  const ledger = await ledgerOf(this);
  const reversals = ledger.filter((t) => t.kind === 'reversal');
  assert.equal(reversals.length, 1, JSON.stringify(ledger));
  assert.equal(reversals[0].reverses, this.ledger.transfer.id);
  assert.equal(reversals[0].reason, this.ledger.reason);
  await this.checkAccessibility('share ledger after a reversal');
  // the scenario's own screenshot ends on the ownership tab; keep the ledger's too
  await this.page.screenshot({ path: join(process.env.E2E_RESULTS ?? 'test-results', 'Share_ledger_after_a_reversal.png'), fullPage: true });
});

Then('the ownership tab shows {string} with {int} shares and no {string}', async function (holder, shares, absent) {
  const a = app(this);
  await a.getByRole('link', { name: 'Ownership', exact: true }).click();
  const row = a.getByRole('row').filter({ has: this.page.getByRole('cell', { name: holder, exact: true }) });
  await expectVisible(row, `${holder} in the register`);
  await expectVisible(row.getByRole('cell', { name: shares.toLocaleString('en-US'), exact: true }), `${holder} with ${shares} shares`);
  assert.equal(await a.getByRole('cell', { name: absent, exact: true }).count(), 0, `${absent} is not in the register`);
});

When('I open its share ledger and try to reverse the issuance', async function () {
  // the refusal is a 422, which Chromium logs as a failed resource
  this.allowedConsole.push(/status of 422 .*\/share-transactions\/[^/]+\/reversal/);
  await openLedger(this);
  await openReversal(this, `Reverse issuance of ${ISSUED_ON}`, 'Never issued');
  await app(this).getByRole('button', { name: 'Reverse transaction' }).click();
});

Then("the form shows the refusal naming the transfer's date and the ledger is unchanged", async function () {
  const a = app(this);
  const alert = a.locator('tr.reverse-form [role="alert"]');
  await expectVisible(alert, 'the refusal in the form');
  assert.match(await alert.innerText(), new RegExp(TRANSFERRED_ON));
  // the form stays open with what was typed
  const field = a.getByLabel('Reason', { exact: true });
  assert.equal(await field.inputValue(), 'Never issued');
  await expectVisible(a.getByRole('button', { name: 'Reverse transaction' }), 'the form still open');
  assert.equal(await a.locator('tr[data-kind="reversal"]').count(), 0);
  assert.equal(await a.locator('tr.reversed').count(), 0);
  const ledger = await ledgerOf(this);
  assert.deepEqual(ledger.map((t) => t.id), [this.ledger.issuance.id, this.ledger.transfer.id]);
  assert.ok(ledger.every((t) => !t.reversed_by), JSON.stringify(ledger));
  await this.checkAccessibility('share ledger: a refused reversal');
  // Cancel closes the form and gives focus back to the button
  await a.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await field.count(), 0);
  const again = a.getByRole('button', { name: `Reverse issuance of ${ISSUED_ON}` });
  assert.equal(await again.evaluate((el) => el.getRootNode().activeElement === el), true, 'focus back on the button');
  // opened again (with a new Idempotency-Key), it is refused again
  await openReversal(this, `Reverse issuance of ${ISSUED_ON}`, 'Recorded twice');
  await a.getByRole('button', { name: 'Reverse transaction' }).click();
  await expectVisible(alert, 'the refusal again');
  assert.match(await alert.innerText(), new RegExp(TRANSFERRED_ON));
  assert.equal((await ledgerOf(this)).length, 2, 'still two transactions');
});
