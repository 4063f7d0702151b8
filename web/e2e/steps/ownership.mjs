// Share classes on the ledger tab and beneficial owners on the ownership
// tab: adding a class from the UI and issuing shares of it, changing a
// class's authorised capital by resolution (and a lowering the ledger
// refuses), and the
// beneficial owners of an entity held through another, with the CSV and
// BODS downloads (features/web/ownership.feature). Every run seeds its own
// entities and persons through the API, with unique names where the UI
// searches for them.
import { Given, When, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const app = (w) => w.page.locator('charter-app').first();
const TIMEOUT = { timeout: 20_000 };
const T = '/api/v1/tenants/acme';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const screenshot = (w, name) => w.page.screenshot({ path: join(process.env.E2E_RESULTS ?? 'test-results', name), fullPage: true });

/** Today in the browser's (and this machine's) time zone, as the forms default to it. */
function localToday(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

async function expectVisible(locator, what) {
  await locator.first().waitFor({ state: 'visible', ...TIMEOUT }).catch(() => {
    throw new Error(`not visible: ${what}`);
  });
}

async function expectFocused(locator, what) {
  for (let i = 0; i < 50; i++) {
    if (await locator.evaluate((el) => el.getRootNode().activeElement === el).catch(() => false)) return;
    await sleep(100);
  }
  assert.fail(`the focus is not on ${what}`);
}

/** A row of a table holding a cell with exactly this text. */
const rowWith = (w, table, text) => table.getByRole('row').filter({ has: w.page.getByRole('cell', { name: text, exact: true }) });

async function person(w, given, family) {
  return (await w.api('POST', `${T}/persons`, { given_name: given, family_name: family })).body;
}

/** Clicks `button` and returns the download it starts, its name and its text. */
async function download(w, button) {
  const [file] = await Promise.all([w.page.waitForEvent('download', TIMEOUT), button.click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

// ---------- Share classes ----------

Given('an entity without share classes', async function () {
  const suffix = randomBytes(3).toString('hex');
  const entity = (await this.api('POST', `${T}/entities`, { legal_name: `Classes ${suffix} Ltd`, jurisdiction: 'GB', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
  this.classes = { entity, suffix };
});

When('I add the share class {string} in {string} with {int} authorised shares on its share ledger', async function (name, currency, authorised) {
  const { entity } = this.classes;
  const a = app(this);
  this.classPosts = [];
  this.page.on('request', (r) => {
    if (r.method() === 'POST' && /\/share-classes$/.test(new URL(r.url()).pathname)) this.classPosts.push(r.postDataJSON());
  });
  await this.open(`/#/acme/entities/${entity.id}/ledger`, { standaloneKey: this.keys.acme });
  await expectVisible(a.getByRole('heading', { name: entity.legal_name, level: 1 }), 'the entity page');
  await expectVisible(a.getByRole('heading', { name: 'Share classes', level: 2 }), 'the share classes section');
  await expectVisible(a.getByText('No share classes yet', { exact: false }), 'no share classes yet');
  await expectVisible(a.getByRole('heading', { name: 'Transactions', level: 2 }), 'the transactions heading');

  // "Record transaction…" has nothing to offer yet, and says where to go
  await a.getByRole('button', { name: 'Record transaction…', exact: true }).click();
  const recorder = a.locator('charter-record-transaction');
  await expectVisible(recorder.getByText('Add a share class first'), 'the record form asking for a class');
  await this.checkAccessibility('share ledger without a class');
  const fromRecorder = recorder.getByRole('button', { name: 'Add share class…', exact: true });
  await fromRecorder.click();

  const form = a.locator('charter-add-share-class');
  const nameField = form.getByLabel('Class name', { exact: true });
  await expectVisible(nameField, 'the add-share-class form');
  await expectFocused(nameField, 'the class name');
  assert.equal(await a.locator('#class-open').getAttribute('aria-expanded'), 'true');
  // the defaults: nominal value 0, one vote per share, authorised from today
  assert.equal(await form.getByLabel('Nominal value per share', { exact: true }).inputValue(), '0');
  assert.equal(await form.getByLabel('Votes per share', { exact: true }).inputValue(), '1');
  assert.equal(await form.getByLabel('Authorised from', { exact: true }).inputValue(), localToday());

  // the form's own checks: nothing is sent without a name, a currency and the authorised shares
  await form.getByRole('button', { name: 'Add share class', exact: true }).click();
  await expectVisible(form.locator('[data-error-for="name"]').filter({ hasText: 'Enter the name of the class.' }), 'the name is required');
  await expectVisible(form.locator('[data-error-for="currency"]'), 'the currency is required');
  await expectVisible(form.locator('[data-error-for="authorised_shares"]').filter({ hasText: 'or choose Unlimited' }), 'the authorised shares are required');
  assert.equal(await nameField.getAttribute('aria-invalid'), 'true');
  await expectFocused(nameField, 'the class name, the first field in error');
  await expectVisible(form.getByRole('alert').filter({ hasText: 'The share class was not added.' }), 'the form’s alert');
  await this.checkAccessibility('add share class: the form’s own checks');
  await screenshot(this, 'Ownership_add_share_class_checks.png');
  assert.equal(this.classPosts.length, 0, 'nothing sent');

  // Unlimited disables the number, and unticking it brings the number back
  const unlimited = form.getByLabel('Unlimited', { exact: true });
  const authorisedField = form.getByLabel('Authorised shares', { exact: true });
  await unlimited.check();
  assert.equal(await authorisedField.isDisabled(), true);
  await unlimited.uncheck();
  assert.equal(await authorisedField.isDisabled(), false);

  await nameField.fill(name);
  await form.getByLabel('Currency', { exact: true }).fill(currency);
  await authorisedField.fill(String(authorised));
  await form.getByLabel('Reason (optional)', { exact: true }).fill('Board resolution 7');
  assert.equal(await form.locator('[data-error-for]').count(), 0, 'typing clears each field’s message');
  await this.checkAccessibility('add share class: filled in');
  await screenshot(this, 'Ownership_add_share_class_form.png');
  // a double click adds (at most) one class: one Idempotency-Key per opening
  await form.getByRole('button', { name: 'Add share class', exact: true }).dblclick();
  await expectVisible(a.getByRole('status').filter({ hasText: 'Share class added.' }), 'the success announcement');
  this.classes.added = { name, currency, authorised };
});

Then('the share classes list {string} with {int} authorised shares', async function (name, authorised) {
  const a = app(this);
  const { entity, added } = this.classes;
  // the form is closed and the focus is back on its button
  assert.equal(await a.locator('charter-add-share-class').count(), 0, 'the form is closed');
  const open = a.locator('#class-open');
  assert.equal(await open.getAttribute('aria-expanded'), 'false');
  await expectFocused(open, 'the Add share class… button');
  const table = a.getByRole('table', { name: 'Share classes' });
  const row = rowWith(this, table, name);
  await expectVisible(row, `${name} in the share classes`);
  const cells = (await row.getByRole('cell').allInnerTexts()).map((c) => c.trim());
  assert.deepEqual(cells, [name, added.currency, '0', '1', authorised.toLocaleString('en-US'), 'No', 'Change authorised…']);
  assert.equal(await a.getByText('No share classes yet', { exact: false }).count(), 0);
  // one request, exactly as typed, and the server has the class
  assert.equal(this.classPosts.length, 1, JSON.stringify(this.classPosts));
  assert.deepEqual(this.classPosts[0], {
    name, currency: added.currency, nominal_value: '0', votes_per_share: '1', authorised_shares: authorised, effective_from: localToday(), reason: 'Board resolution 7',
  });
  const classes = (await this.api('GET', `${T}/entities/${entity.id}/share-classes`)).body;
  assert.equal(classes.length, 1, JSON.stringify(classes));
  assert.equal(classes[0].name, name);
  assert.equal(classes[0].authorised_history[0].authorised_shares, authorised);
  this.classes.cls = classes[0];

  // a second class of the same name is refused before anything is sent; Escape closes the form
  await open.click();
  const form = a.locator('charter-add-share-class');
  const nameField = form.getByLabel('Class name', { exact: true });
  await expectFocused(nameField, 'the class name');
  await nameField.fill(name);
  await form.getByLabel('Currency', { exact: true }).fill('eur');
  await form.getByLabel('Unlimited', { exact: true }).check();
  await form.getByRole('button', { name: 'Add share class', exact: true }).click();
  await expectVisible(form.locator('[data-error-for="name"]').filter({ hasText: `This entity already has a class named ${name}.` }), 'the duplicate name refused');
  await expectFocused(nameField, 'the class name');
  assert.equal(this.classPosts.length, 1, 'nothing sent for a duplicate name');
  await this.checkAccessibility('add share class: a duplicate name');
  await this.page.keyboard.press('Escape');
  assert.equal(await form.count(), 0, 'Escape closes the form');
  await expectFocused(open, 'the Add share class… button');
});

Then('recording an issuance of {int} {string} shares to {string} shows it in the ledger', async function (shares, className, holderName) {
  const a = app(this);
  const { cls, suffix, entity } = this.classes;
  // a unique namesake, so the holder search finds this one
  const [given, ...family] = holderName.split(' ');
  const holder = await person(this, given, `${family.join(' ')} ${suffix}`);
  const fullName = `${holder.given_name} ${holder.family_name}`;
  // the form opened before the class existed now offers it (the only class: chosen already)
  const recorder = a.locator('charter-record-transaction');
  const classField = recorder.getByLabel('Share class', { exact: true });
  await expectVisible(classField, 'the record form with its fields');
  assert.equal(await classField.inputValue(), cls.id);
  assert.match(await classField.locator('option:checked').innerText(), new RegExp(`^${className} \\(EUR 0\\)$`));
  assert.equal(await recorder.getByLabel('Transaction', { exact: true }).inputValue(), 'issuance');
  await recorder.getByLabel('To', { exact: true }).fill(fullName);
  const match = recorder.getByRole('list', { name: 'Matching holders for To' }).getByRole('button', { name: `${fullName} · person`, exact: true });
  await expectVisible(match, `${fullName} among the matches`);
  await match.click();
  await recorder.getByLabel('Shares', { exact: true }).fill(String(shares));
  await recorder.getByRole('button', { name: 'Record transaction', exact: true }).click();
  await expectVisible(a.getByRole('status').filter({ hasText: 'Transaction recorded.' }), 'the transaction recorded');
  const row = a.locator('tr[data-kind="issuance"]');
  await expectVisible(row, 'the issuance in the ledger');
  const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
  assert.deepEqual(cells.slice(0, 6), [localToday(), 'Issuance', className, '—', fullName, String(shares)]);
  const ledger = (await this.api('GET', `${T}/entities/${entity.id}/share-transactions`)).body;
  assert.equal(ledger.length, 1, JSON.stringify(ledger));
  assert.equal(ledger[0].share_class_id, cls.id);
  assert.deepEqual(ledger[0].to_holder, { person_id: holder.id });

  // the ledger as CSV, fetched with the app's credentials
  const csv = await download(this, a.getByRole('button', { name: 'Download ledger (CSV)', exact: true }));
  assert.match(csv.name, new RegExp(`^share-ledger-Classes-${suffix}-Ltd-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  assert.match(csv.text, /^effective_from,kind,share_class,/);
  assert.match(csv.text, new RegExp(`issuance,${className},.*${fullName}.*,${shares},`));
  await expectVisible(a.getByRole('status').filter({ hasText: `Downloaded ${csv.name}.` }), 'the download announced');
  await this.checkAccessibility('share ledger after adding a class and issuing');
});

// ---------- Changing a class's authorised capital ----------

const whole = (text) => Number(text.replace(/,/g, ''));

Given(/^an entity with a class "([^"]+)" of ([\d,]+) authorised shares from (\d{4}-\d{2}-\d{2}) and ([\d,]+) issued$/, async function (name, authorised, from, issued) {
  const suffix = randomBytes(3).toString('hex');
  const entity = (await this.api('POST', `${T}/entities`, { legal_name: `Authorised ${suffix} Ltd`, jurisdiction: 'GB', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
  const cls = (await this.api('POST', `${T}/entities/${entity.id}/share-classes`, {
    name, currency: 'GBP', nominal_value: '1', votes_per_share: '1', authorised_shares: whole(authorised), effective_from: from, reason: 'e2e seed',
  })).body;
  const holder = await person(this, 'Sam', `Holder ${suffix}`);
  await this.api('POST', `${T}/share-transactions`, {
    kind: 'issuance', share_class_id: cls.id, to_holder: { person_id: holder.id }, shares: whole(issued), effective_from: '2021-01-01', reason: 'e2e seed',
  });
  this.authorised = { entity, cls, from, initial: whole(authorised), posts: [] };
});

/** The class's row in the share classes table, its "Change authorised…" button and its authorised shares cell. */
function classRow(w, name) {
  const a = app(w);
  const row = rowWith(w, a.getByRole('table', { name: 'Share classes' }), name);
  return { row, button: row.getByRole('button', { name: `Change authorised capital of ${name}`, exact: true }), cell: row.locator('td[data-authorised-for]') };
}

/** Opens "Change authorised…" for the class; the focus goes to the authorised shares. Returns the form. */
async function openChange(w, name) {
  const a = app(w);
  const { button } = classRow(w, name);
  await expectVisible(button, `the Change authorised… button of ${name}`);
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  assert.equal(await button.innerText(), 'Change authorised…');
  await button.click();
  const form = a.locator('charter-change-authorised');
  await expectVisible(form.getByRole('heading', { name: `Change the authorised capital of ${name}`, level: 3 }), 'the change-authorised form');
  await expectFocused(form.getByLabel('Authorised shares', { exact: true }), 'the authorised shares');
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  assert.equal(await button.getAttribute('aria-controls'), 'authorised-panel');
  return form;
}

When(/^I change the authorised capital of "([^"]+)" to ([\d,]+) from (\d{4}-\d{2}-\d{2}) giving the reason "([^"]+)"$/, async function (name, shares, from, reason) {
  const { entity, initial } = this.authorised;
  const a = app(this);
  this.page.on('request', (r) => {
    if (r.method() === 'POST' && /\/authorised-capital$/.test(new URL(r.url()).pathname)) this.authorised.posts.push(r.postDataJSON());
  });
  await this.open(`/#/acme/entities/${entity.id}/ledger`, { standaloneKey: this.keys.acme });
  await expectVisible(a.getByRole('heading', { name: entity.legal_name, level: 1 }), 'the entity page');
  const { cell } = classRow(this, name);
  await expectVisible(cell, `${name} in the share classes`);
  assert.equal((await cell.innerText()).trim(), initial.toLocaleString('en-US'), 'one period: the shares authorised today');
  await this.checkAccessibility('share classes with Change authorised… buttons');

  const form = await openChange(this, name);
  // what the change replaces: the authorised capital on record
  assert.equal((await form.locator('[data-authorised-history]').innerText()).trim(), `${initial.toLocaleString('en-US')} from ${this.authorised.from}`);
  const from_ = form.getByLabel('From', { exact: true });
  assert.equal(await from_.inputValue(), localToday(), 'from today by default');
  await form.getByLabel('Authorised shares', { exact: true }).fill(shares.replace(/,/g, ''));
  await from_.fill(from);
  // the form's own check, as the API's: a change from before today needs a reason
  const submit = form.getByRole('button', { name: 'Change authorised capital', exact: true });
  await submit.click();
  const reasonField = form.getByLabel('Reason', { exact: true });
  await expectVisible(form.locator('[data-error-for="reason"]').filter({ hasText: 'a change from before today corrects the record' }), 'the reason required before today');
  assert.equal(await reasonField.getAttribute('aria-invalid'), 'true');
  assert.equal(await reasonField.getAttribute('aria-required'), 'true');
  await expectFocused(reasonField, 'the reason, the field in error');
  await expectVisible(form.getByRole('alert').filter({ hasText: 'The authorised capital was not changed.' }), 'the form’s alert');
  assert.equal(this.authorised.posts.length, 0, 'nothing sent without a reason');
  await this.checkAccessibility('change authorised: the reason required');

  await reasonField.fill(reason);
  assert.equal(await form.locator('[data-error-for]').count(), 0, 'typing clears the message');
  await this.checkAccessibility('change authorised: filled in');
  await screenshot(this, 'Ownership_change_authorised_form.png');
  await submit.click();
  await expectVisible(a.getByRole('status').filter({ hasText: 'Authorised capital changed.' }), 'the success announcement');
  this.authorised.changed = { name, shares: whole(shares), from, reason };
});

Then(/^the share classes show "([^"]+)" with ([\d,]+) authorised from (\d{4}-\d{2}-\d{2})$/, async function (name, shares, from) {
  const a = app(this);
  const { entity, initial, changed } = this.authorised;
  // the form is closed and the focus is back on the class's button
  assert.equal(await a.locator('charter-change-authorised').count(), 0, 'the form is closed');
  const { button, cell } = classRow(this, name);
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  await expectFocused(button, `the Change authorised… button of ${name}`);
  // more than one period: today's since when, and what held before
  const expected = `${whole(shares).toLocaleString('en-US')} from ${from} (${initial.toLocaleString('en-US')} before)`;
  for (let i = 0; i < 50 && (await cell.innerText()).trim() !== expected; i++) await sleep(100);
  assert.equal((await cell.innerText()).trim(), expected);
  // one request, exactly as typed, and the server has the new period
  assert.deepEqual(this.authorised.posts, [{ authorised_shares: changed.shares, effective_from: changed.from, reason: changed.reason }]);
  const [cls] = (await this.api('GET', `${T}/entities/${entity.id}/share-classes`)).body;
  assert.deepEqual(cls.authorised_history.map((p) => [p.valid_from, p.valid_to ?? null, p.authorised_shares]), [
    [this.authorised.from, from, initial],
    [from, null, whole(shares)],
  ]);
  this.authorised.history = cls.authorised_history;
  await this.checkAccessibility('share classes after changing the authorised capital');
  await screenshot(this, 'Ownership_authorised_capital_changed.png');
});

Then(/^lowering it to ([\d,]+) from (\d{4}-\d{2}-\d{2}) is refused next to the authorised shares naming (\d{4}-\d{2}-\d{2})$/, async function (shares, from, named) {
  // the refusal is a 422, which Chromium logs as a failed resource
  this.allowedConsole.push(/status of 422 .*\/share-classes\/[^/]+\/authorised-capital/);
  const { entity, initial, changed } = this.authorised;
  const form = await openChange(this, changed.name);
  // both periods on record, the first ending where the second starts
  assert.equal((await form.locator('[data-authorised-history]').innerText()).trim(),
    `${initial.toLocaleString('en-US')} from ${this.authorised.from} until ${changed.from}; ${changed.shares.toLocaleString('en-US')} from ${changed.from}`);
  const sharesField = form.getByLabel('Authorised shares', { exact: true });
  await sharesField.fill(shares.replace(/,/g, ''));
  await form.getByLabel('From', { exact: true }).fill(from);
  await form.getByLabel('Reason', { exact: true }).fill('Ordinary resolution 13');
  await form.getByRole('button', { name: 'Change authorised capital', exact: true }).click();

  const error = form.locator('[data-error-for="authorised_shares"]').filter({ hasText: named });
  await expectVisible(error, `the refusal naming ${named} next to the authorised shares`);
  assert.match(await error.innerText(), new RegExp(`would be issued on ${named}, more than the ${whole(shares)} authorised`));
  assert.equal(await sharesField.getAttribute('aria-invalid'), 'true');
  assert.ok((await sharesField.getAttribute('aria-describedby')).split(' ').includes(await error.getAttribute('id')), 'the message describes the field');
  await expectFocused(sharesField, 'the authorised shares, the field the API names');
  await expectVisible(form.getByRole('alert').filter({ hasText: 'The authorised capital was not changed.' }), 'the form’s alert');
  // what was typed is kept, and nothing changed, on screen or on the server
  assert.equal(await sharesField.inputValue(), shares.replace(/,/g, ''));
  assert.equal(await form.getByLabel('From', { exact: true }).inputValue(), from);
  const { cell, button } = classRow(this, changed.name);
  assert.equal((await cell.innerText()).trim(), `${changed.shares.toLocaleString('en-US')} from ${changed.from} (${initial.toLocaleString('en-US')} before)`);
  const [cls] = (await this.api('GET', `${T}/entities/${entity.id}/share-classes`)).body;
  assert.deepEqual(cls.authorised_history, this.authorised.history);
  assert.equal(this.authorised.posts.length, 2);
  await this.checkAccessibility('change authorised: refused');
  await screenshot(this, 'Ownership_authorised_capital_refused.png');
  // Escape closes the form and gives the focus back to the class's button
  await this.page.keyboard.press('Escape');
  assert.equal(await form.count(), 0, 'Escape closes the form');
  await expectFocused(button, `the Change authorised… button of ${changed.name}`);
});

// ---------- Beneficial owners ----------

Given('{string} holds {int} % of {string}, {string} holds {int} % of {string}, and {string} holds {int} % of {string} directly',
  async function (owner, inA, a1, a2, aInB, b1, owner2, direct, b2) {
    assert.equal(a1, a2);
    assert.equal(b1, b2);
    assert.equal(owner, owner2);
    const suffix = randomBytes(3).toString('hex');
    const entity = async (label) =>
      (await this.api('POST', `${T}/entities`, { legal_name: `Chain ${label} ${suffix} Ltd`, jurisdiction: 'GB', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
    const [A, B] = [await entity(a1), await entity(b1)];
    // 100 shares of £1 each: a holding of N shares is N % of the capital and of the votes
    const shareClass = async (e) => (await this.api('POST', `${T}/entities/${e.id}/share-classes`, {
      name: 'Ordinary', currency: 'GBP', nominal_value: '1', votes_per_share: '1', authorised_shares: 100, effective_from: '2020-01-01', reason: 'e2e seed',
    })).body;
    const [classA, classB] = [await shareClass(A), await shareClass(B)];
    // the owner's name as the scenario says it (the list is of this entity's owners only); the others unique
    const [given, ...family] = owner.split(' ');
    const pat = await person(this, given, family.join(' '));
    const otherA = await person(this, 'Lee', `Other ${suffix}`);
    const otherB = await person(this, 'Kim', `Other ${suffix}`);
    const issue = (cls, to_holder, shares) =>
      this.api('POST', `${T}/share-transactions`, { kind: 'issuance', share_class_id: cls.id, to_holder, shares, effective_from: '2021-01-01', reason: 'e2e seed' });
    await issue(classA, { person_id: pat.id }, inA);
    await issue(classA, { person_id: otherA.id }, 100 - inA);
    await issue(classB, { entity_id: A.id }, aInB);
    await issue(classB, { person_id: pat.id }, direct);
    await issue(classB, { person_id: otherB.id }, 100 - aInB - direct);
    this.chain = {
      suffix, entities: { [a1]: A, [b1]: B },
      owner: { name: owner, person: pat, pct: (inA * aInB) / 100 + direct },
      // A's other holder holds the rest of A, and so that share of B through A; B's other direct holder is named only to be left out
      throughA: { name: `Lee Other ${suffix}`, pct: ((100 - inA) * aInB) / 100 },
      directOnly: { name: `Kim Other ${suffix}`, pct: 100 - aInB - direct },
    };
  });

When('I open the ownership tab of {string}', async function (label) {
  const entity = this.chain.entities[label];
  const a = app(this);
  await this.open(`/#/acme/entities/${entity.id}/ownership`, { standaloneKey: this.keys.acme });
  await expectVisible(a.getByRole('heading', { name: entity.legal_name, level: 1 }), 'the entity page');
  assert.equal(await a.getByRole('link', { name: 'Ownership', exact: true }).getAttribute('aria-current'), 'page');
  await expectVisible(a.getByRole('heading', { name: 'Register of members', level: 2 }), 'the register heading');
  await expectVisible(a.getByRole('heading', { name: 'Beneficial owners', level: 2 }), 'the beneficial owners heading');
  await expectVisible(a.getByRole('table', { name: 'Beneficial owners' }), 'the beneficial owners table');
  this.chain.open = entity;
});

Then('the beneficial owners list {string} with {float} % of the capital', async function (name, capital) {
  const a = app(this);
  const table = a.getByRole('table', { name: 'Beneficial owners' });
  const intro = a.getByText(/^Natural persons holding at least 25 % of the capital or votes, directly or through other entities, as of \d{4}-\d{2}-\d{2}\.$/);
  await expectVisible(intro, 'the sentence naming the threshold and the date');
  this.chain.date = (await intro.innerText()).match(/(\d{4}-\d{2}-\d{2})/)[1];
  const row = rowWith(this, table, name);
  await expectVisible(row, `${name} among the beneficial owners`);
  const cells = (await row.getByRole('cell').allInnerTexts()).map((c) => c.trim());
  assert.deepEqual(cells, [name, capital.toFixed(2), capital.toFixed(2), 'Directly and through other entities']);
  // the holder of the rest of A holds its share of B through A (listed from 25 %); B's other direct holder is below 25 %
  const { throughA, directOnly } = this.chain;
  const listed = throughA.pct >= 25;
  if (listed) {
    const other = (await rowWith(this, table, throughA.name).getByRole('cell').allInnerTexts()).map((c) => c.trim());
    assert.deepEqual(other, [throughA.name, throughA.pct.toFixed(2), throughA.pct.toFixed(2), 'Through other entities']);
  }
  assert.equal(await table.getByRole('row').count(), listed ? 3 : 2, 'a header and the owners');
  if (directOnly.pct < 25) assert.equal(await table.getByRole('cell', { name: directOnly.name, exact: true }).count(), 0);
  // the register above: A with 80 shares
  const register = a.getByRole('table', { name: 'Register of members' });
  await expectVisible(rowWith(this, register, this.chain.entities.A.legal_name), 'A in the register');
  await this.checkAccessibility('ownership: beneficial owners');

  // the register as CSV at the same date
  const csv = await download(this, a.getByRole('button', { name: 'Download register (CSV)', exact: true }));
  assert.equal(csv.name, `register-Chain-B-${this.chain.suffix}-Ltd-${this.chain.date}.csv`);
  assert.match(csv.text, /^holder_type,holder_id,holder_name,share_class,shares,capital_pct,votes_pct/);
  assert.match(csv.text, new RegExp(`${this.chain.entities.A.legal_name},Ordinary,80,`));

  // before the shares were issued, no one reaches the threshold
  await a.getByLabel('As of', { exact: true }).fill('2020-06-30');
  await expectVisible(a.getByText('No natural person reaches 25 %.', { exact: true }), 'the empty state as of 2020-06-30');
  await expectVisible(a.getByText(/as of 2020-06-30\.$/), 'the sentence with the as-of date');
  await this.checkAccessibility('ownership: no beneficial owner');
  await screenshot(this, 'Ownership_no_beneficial_owner.png');
  await a.getByRole('button', { name: 'Today', exact: true }).click();
  await expectVisible(rowWith(this, a.getByRole('table', { name: 'Beneficial owners' }), name), `${name} again today`);
});

Then('the BODS 0.4 statements download names {string}', async function (name) {
  const a = app(this);
  const { suffix, date, owner } = this.chain;
  const file = await download(this, a.getByRole('button', { name: 'Download BODS 0.4 JSON', exact: true }));
  assert.equal(file.name, `beneficial-owners-Chain-B-${suffix}-Ltd-${date}.json`);
  const statements = JSON.parse(file.text);
  assert.ok(Array.isArray(statements), 'an array of statements');
  assert.ok(statements.every((s) => s.publicationDetails?.bodsVersion === '0.4'), 'BODS 0.4');
  const entity = statements.find((s) => s.recordType === 'entity');
  assert.equal(entity.recordDetails.name, this.chain.entities.B.legal_name);
  const person = statements.find((s) => s.recordType === 'person' && s.recordDetails.names?.some((n) => n.fullName === name));
  assert.ok(person, `a person statement naming ${name}: ${file.text.slice(0, 400)}`);
  assert.equal(person.recordId, `charter-person-${owner.person.id}`);
  const relationship = statements.find((s) => s.recordType === 'relationship' && s.recordDetails.interestedParty === person.recordId);
  assert.ok(relationship, 'the owner’s interests');
  // 10 % in B's own shares and 48 % through A: one interest for each part.
  const shareholdings = relationship.recordDetails.interests.filter((i) => i.type === 'shareholding');
  assert.deepEqual(shareholdings.map((i) => i.directOrIndirect), ['direct', 'indirect']);
  assert.equal(shareholdings.reduce((sum, i) => sum + i.share.exact, 0), owner.pct);
  assert.ok(statements.every((s) => s.statementDate === date), 'as of the date shown');
  await expectVisible(a.getByRole('status').filter({ hasText: `Downloaded ${file.name}.` }), 'the download announced');
  await this.checkAccessibility('ownership after the BODS download');
});
