// The share ledger tab: reversing a transaction entered in error, a
// reversal the ledger refuses, recording a transfer from the tab, and a
// transfer the ledger refuses (features/web/share_ledger.feature).
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
  // `held`: what each holds from the transfer's date on
  this.ledger = { entity, cls, holders: { [first]: a, [second]: b }, held: { [first]: issued - moved, [second]: moved }, issuance, transfer };
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
  // the register of members (the beneficial owners below it name persons too)
  const register = a.getByRole('table', { name: 'Register of members' });
  const row = register.getByRole('row').filter({ has: this.page.getByRole('cell', { name: holder, exact: true }) });
  await expectVisible(row, `${holder} in the register`);
  await expectVisible(row.getByRole('cell', { name: shares.toLocaleString('en-US'), exact: true }), `${holder} with ${shares} shares`);
  assert.equal(await register.getByRole('cell', { name: absent, exact: true }).count(), 0, `${absent} is not in the register`);
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

// ---------- Recording a transaction ----------

const ymd = (y, m, d) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isFocused = (locator) => locator.evaluate((el) => el.getRootNode().activeElement === el);

async function expectFocused(locator, what) {
  for (let i = 0; i < 50; i++) {
    if (await isFocused(locator)) return;
    await sleep(100);
  }
  assert.fail(`the focus is not on ${what}`);
}

/** Counts the POSTs of new transactions (`…/share-transactions`) the page sends. */
function countPosts(w) {
  w.posts = [];
  w.page.on('request', (r) => {
    if (r.method() === 'POST' && /\/share-transactions$/.test(new URL(r.url()).pathname)) w.posts.push(r.postDataJSON());
  });
}

/** Opens "Record transaction…" on the ledger and fills in a transfer, the way a paralegal would. */
async function fillTransfer(w, shares, from, to, date) {
  const a = app(w);
  const open = a.getByRole('button', { name: 'Record transaction…', exact: true });
  assert.equal(await open.getAttribute('aria-expanded'), 'false');
  await open.click();
  const kind = a.getByLabel('Transaction', { exact: true });
  await expectVisible(kind, 'the record-transaction form');
  await expectFocused(kind, 'the form’s first field');
  assert.equal(await open.getAttribute('aria-expanded'), 'true');
  await kind.selectOption('transfer');
  // the entity's only class is chosen already
  assert.equal(await a.getByLabel('Share class', { exact: true }).inputValue(), w.ledger.cls.id);
  await a.getByLabel('Effective date', { exact: true }).fill(date);
  // From: the register's holders of the class at that date, with their shares
  const current = a.getByRole('list', { name: `Holders of Ordinary shares on ${date}` });
  const fromChoice = current.getByRole('button', { name: `${from} · ${w.ledger.held[from]} shares`, exact: true });
  await expectVisible(fromChoice, `${from} among the current holders with ${w.ledger.held[from]} shares`);
  await fromChoice.click();
  assert.equal(await fromChoice.getAttribute('aria-pressed'), 'true');
  await expectVisible(a.getByText(`Selected: ${from}, holding ${w.ledger.held[from]} shares on ${date}`), `${from} selected with the shares held`);
  // To: a search of entities and persons; the namesake on this register comes first, with its shares
  await a.getByLabel('To', { exact: true }).fill(to);
  const matches = a.getByRole('list', { name: 'Matching holders for To' });
  const toChoice = matches.getByRole('button', { name: `${to} · person · holds ${w.ledger.held[to]} shares`, exact: true });
  await expectVisible(toChoice, `${to} among the matches`);
  await toChoice.click();
  assert.equal(await a.getByLabel('To', { exact: true }).inputValue(), to);
  await a.getByLabel('Shares', { exact: true }).fill(String(shares));
  await w.checkAccessibility('share ledger: the record-transaction form');
  w.recording = { shares, from, to, date };
}

When('I record a transfer of {int} shares from {string} to {string} dated {int}-{int}-{int} on its share ledger', async function (shares, from, to, y, m, d) {
  await openLedger(this);
  countPosts(this);
  await fillTransfer(this, shares, from, to, ymd(y, m, d));
  // a double click records (at most) once: one Idempotency-Key per opening
  await app(this).getByRole('button', { name: 'Record transaction', exact: true }).dblclick();
  await expectVisible(app(this).getByRole('status').filter({ hasText: 'Transaction recorded.' }), 'the success announcement');
});

Then('the ledger lists the transfer of {int}-{int}-{int}', async function (y, m, d) {
  const a = app(this);
  const date = ymd(y, m, d);
  const { shares, from, to } = this.recording;
  // the form is closed and the focus is back on its button
  assert.equal(await a.getByLabel('Transaction', { exact: true }).count(), 0, 'the form is closed');
  const open = a.getByRole('button', { name: 'Record transaction…', exact: true });
  assert.equal(await open.getAttribute('aria-expanded'), 'false');
  await expectFocused(open, 'the Record transaction… button');
  const row = a.locator('tr[data-kind="transfer"]').filter({ hasText: date });
  await expectVisible(row, `the transfer of ${date} in the ledger`);
  const cells = await row.locator('td').allInnerTexts();
  assert.deepEqual(cells.slice(0, 6).map((c) => c.trim()), [date, 'Transfer', 'Ordinary', from, to, String(shares)]);
  assert.equal(await a.locator('tr[data-transaction]').count(), 3, 'issuance, transfer and the new transfer');
  // one request, and the server recorded exactly it
  assert.equal(this.posts.length, 1, JSON.stringify(this.posts));
  assert.deepEqual(this.posts[0], {
    kind: 'transfer', share_class_id: this.ledger.cls.id,
    from_holder: { person_id: this.ledger.holders[from].id }, to_holder: { person_id: this.ledger.holders[to].id },
    shares, effective_from: date,
  });
  const ledger = await ledgerOf(this);
  assert.equal(ledger.length, 3, JSON.stringify(ledger));
  const recorded = ledger.find((t) => t.effective_from === date);
  assert.equal(recorded.kind, 'transfer');
  assert.equal(recorded.shares, shares);
  assert.deepEqual(recorded.from_holder, { person_id: this.ledger.holders[from].id });
  assert.deepEqual(recorded.to_holder, { person_id: this.ledger.holders[to].id });
  await this.checkAccessibility('share ledger after recording a transfer');
  await this.page.screenshot({ path: join(process.env.E2E_RESULTS ?? 'test-results', 'Share_ledger_after_recording.png'), fullPage: true });
});

Then('the ownership tab as of {int}-{int}-{int} shows {string} with {int} shares and {string} with {int} shares', async function (y, m, d, first, firstShares, second, secondShares) {
  const a = app(this);
  const date = ymd(y, m, d);
  await a.getByRole('link', { name: 'Ownership', exact: true }).click();
  await a.getByLabel('As of', { exact: true }).fill(date);
  await expectVisible(a.getByText(`As of ${date}`, { exact: true }), `the entity as of ${date}`);
  // the register of members (the beneficial owners below it name persons too)
  const register = a.getByRole('table', { name: 'Register of members' });
  for (const [holder, shares] of [[first, firstShares], [second, secondShares]]) {
    const row = register.getByRole('row').filter({ has: this.page.getByRole('cell', { name: holder, exact: true }) });
    await expectVisible(row.getByRole('cell', { name: shares.toLocaleString('en-US'), exact: true }), `${holder} with ${shares} shares as of ${date}`);
    assert.equal(await row.count(), 1, `${holder} on one line`);
  }
  await this.checkAccessibility(`ownership as of ${date}`);
});

When('I try to record a transfer of {int} shares from {string} to {string} dated {int}-{int}-{int}', async function (shares, from, to, y, m, d) {
  // the refusal is a 422, which Chromium logs as a failed resource
  this.allowedConsole.push(/status of 422 .*\/share-transactions$/);
  await openLedger(this);
  countPosts(this);
  await fillTransfer(this, shares, from, to, ymd(y, m, d));
  await app(this).getByRole('button', { name: 'Record transaction', exact: true }).click();
});

/** The form's elements for the fields the server may name. */
const FIELD_INPUT = { shares: '#tx-shares', from_holder: '#tx-from' };

Then('the form shows the refusal naming {int}-{int}-{int} and the ledger is unchanged', async function (y, m, d) {
  const a = app(this);
  const form = a.locator('charter-record-transaction');
  const date = ymd(y, m, d);
  const { shares, from, to } = this.recording;
  // the message is next to the field the server names (the shares; From would do too)
  const error = form.locator('[data-error-for]').filter({ hasText: date });
  await expectVisible(error, `the refusal naming ${date} next to its field`);
  assert.match(await error.innerText(), /would hold -\d+ shares/);
  const field = await error.getAttribute('data-error-for');
  assert.ok(field in FIELD_INPUT, `the refusal is next to ${field}`);
  const input = form.locator(FIELD_INPUT[field]);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.ok((await input.getAttribute('aria-describedby')).split(' ').includes(await error.getAttribute('id')), 'the message describes the field');
  await expectFocused(input, `the ${field} field`);
  const alert = form.getByRole('alert');
  await expectVisible(alert, 'the form’s alert');
  assert.match(await alert.innerText(), /The transaction was not recorded/);
  // what was typed is kept
  assert.equal(await a.getByLabel('Transaction', { exact: true }).inputValue(), 'transfer');
  assert.equal(await a.getByLabel('From', { exact: true }).inputValue(), from);
  assert.equal(await a.getByLabel('To', { exact: true }).inputValue(), to);
  assert.equal(await a.getByLabel('Shares', { exact: true }).inputValue(), String(shares));
  assert.equal(await a.getByLabel('Effective date', { exact: true }).inputValue(), date);
  // the ledger is unchanged, on screen and on the server
  assert.equal(await a.locator('tr[data-transaction]').count(), 2);
  const ledger = await ledgerOf(this);
  assert.deepEqual(ledger.map((t) => t.id), [this.ledger.issuance.id, this.ledger.transfer.id]);
  assert.equal(this.posts.length, 1);
  await this.checkAccessibility('share ledger: a refused transfer');
  await this.page.screenshot({ path: join(process.env.E2E_RESULTS ?? 'test-results', 'Share_ledger_record_refused.png'), fullPage: true });
  // the form's own check: no request for zero shares
  const sharesField = a.getByLabel('Shares', { exact: true });
  await sharesField.fill('0');
  await a.getByRole('button', { name: 'Record transaction', exact: true }).click();
  await expectVisible(form.locator('[data-error-for="shares"]').filter({ hasText: 'Enter a whole number of shares, 1 or more.' }), 'the form’s own check of the shares');
  assert.equal(await sharesField.getAttribute('aria-invalid'), 'true');
  await expectFocused(sharesField, 'the shares');
  assert.equal(this.posts.length, 1, 'nothing sent for zero shares');
  // Escape closes the form and gives the focus back to its button
  await this.page.keyboard.press('Escape');
  assert.equal(await a.getByLabel('Transaction', { exact: true }).count(), 0, 'Escape closes the form');
  await expectFocused(a.getByRole('button', { name: 'Record transaction…', exact: true }), 'the Record transaction… button');
  assert.equal((await ledgerOf(this)).length, 2, 'still two transactions');
});

Then('the audit tab lists the reversal first, then the transfer and the issuance', async function () {
  const a = app(this);
  await a.getByRole('link', { name: 'Audit', exact: true }).click();
  const table = a.getByRole('table', { name: 'Audit' });
  await expectVisible(table.getByRole('cell', { name: 'share_transaction.reverse', exact: true }), 'the reversal in the audit tab');
  // newest first: the entity's share capital changes, then its creation
  const actions = await table.locator('tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(actions.slice(0, 3), ['share_transaction.reverse', 'share_transaction.create', 'share_transaction.create'], actions.join(', '));
  assert.equal(actions.at(-1), 'entity.create', actions.join(', '));
  assert.ok(actions.includes('share_class.create'), actions.join(', '));
  assert.ok(!actions.includes('person.create'), `persons are not the entity's: ${actions.join(', ')}`);
  await this.checkAccessibility('audit tab of an entity with a reversal');
});
