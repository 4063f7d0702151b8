import { Given, When, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';

const app = (w) => w.page.locator('charter-app').first();
const TIMEOUT = { timeout: 20_000 };

async function expectVisible(locator, what) {
  await locator.first().waitFor({ state: 'visible', ...TIMEOUT }).catch(() => {
    throw new Error(`not visible: ${what}`);
  });
}
async function next(w) {
  await app(w).getByRole('button', { name: 'Next', exact: true }).click();
}
async function expectStep(w, n, title) {
  const heading = app(w).locator('#step-heading');
  await expectVisible(heading.filter({ hasText: `Step ${n} of` }), `step ${n}`);
  if (title) assert.match(await heading.innerText(), new RegExp(title));
}
async function openWizard(w) {
  await w.open('/host-demo?tenant=acme', { token: w.keys.acme });
  await app(w).getByRole('link', { name: 'Add legal entity' }).click();
  await expectStep(w, 1, 'Identity');
}
async function hostEvent(w, name) {
  await w.page.waitForFunction((n) => (window.hostEvents ?? []).some((e) => e.name === n), name, TIMEOUT);
  return w.page.evaluate((n) => window.hostEvents.filter((e) => e.name === n), name);
}

// ---------- Embedded in the host platform ----------

const HOST_PROBES = () => {
  const pick = (el) => { const s = getComputedStyle(el); return { font: s.fontFamily, color: s.color, bg: s.backgroundColor, border: s.borderBottom, size: s.fontSize }; };
  return {
    header: pick(document.querySelector('#host-header')),
    title: pick(document.querySelector('#host-header h1')),
    navLink: pick(document.querySelector('.host-nav a')),
    button: pick(document.querySelector('#host-auth button')),
    content: pick(document.querySelector('#host-content')),
  };
};

Given('the host demo page with its own global styles', async function () {
  // The host's look without Charter: the same page with the script blocked.
  const bare = await this.context.newPage();
  await bare.route('**/mfe/**', (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
  await bare.goto(this.url + '/host-demo?tenant=acme');
  this.hostBaseline = await bare.evaluate(HOST_PROBES);
  await bare.close();
  assert.match(this.hostBaseline.title.font, /Comic Sans/);
  this.hostToken = this.keys.acme;
});

Given('the host demo page whose token has expired', async function () {
  // The host's token is stale; when Charter asks (charter:auth-required) the
  // host refreshes it, and Charter's retry picks the fresh one up.
  this.hostToken = 'chk_expired_token_for_the_e2e_test';
  this.allowedConsole.push(/status of 401/);
  await this.page.addInitScript((fresh) => {
    document.addEventListener('charter:auth-required', () => sessionStorage.setItem('host-demo:token', fresh), true);
  }, this.keys.acme);
});

When('the micro-frontend mounts for tenant {string}', async function (tenant) {
  await this.open(`/host-demo?tenant=${tenant}`, { token: this.hostToken });
  await this.page.waitForFunction(() => customElements.get('charter-app') !== undefined, null, TIMEOUT);
  this.hostUrl = this.page.url();
});

Then("the host's header and styles are unchanged", async function () {
  await expectVisible(app(this).getByRole('heading', { name: 'Legal entities' }), 'entity list');
  const now = await this.page.evaluate(HOST_PROBES);
  assert.deepEqual(now, this.hostBaseline, 'the host page looks different once Charter is mounted');
  // and the host's aggressive CSS does not reach inside
  const inside = await app(this).getByRole('heading', { name: 'Legal entities' }).evaluate((h) => {
    const s = getComputedStyle(h);
    const b = h.getRootNode().querySelector('button') ?? h;
    return { font: s.fontFamily, color: s.color, letterSpacing: s.letterSpacing, transform: s.textTransform, buttonBg: getComputedStyle(b).backgroundColor };
  });
  assert.doesNotMatch(inside.font, /Comic Sans/, 'host font leaked into Charter');
  assert.notEqual(inside.color, 'rgb(139, 0, 0)', 'host colour leaked into Charter');
  assert.equal(inside.transform, 'none');
  assert.notEqual(inside.buttonBg, 'rgb(255, 209, 232)', 'host button style leaked into Charter');
});

Then('the entity list of {string} is shown inside the host\'s content area', async function (tenant) {
  const inContent = this.page.locator(`#host-content charter-app[tenant="${tenant}"]`);
  await expectVisible(inContent.getByRole('link', { name: 'Example Parent Corp' }), 'seeded entity in the list');
  await expectVisible(inContent.getByRole('link', { name: 'Atlas Trading GmbH' }), 'seeded entity in the list');
  await this.checkAccessibility('entity list in the host');
});

When('I open the entity {string} inside the micro-frontend', async function (name) {
  await app(this).getByRole('link', { name }).click();
  await expectVisible(app(this).getByRole('heading', { name, level: 1 }), 'entity page');
  await app(this).getByRole('link', { name: 'Officers' }).click();
  await expectVisible(app(this).getByText('No officers as of this date.'), 'officers tab');
});

Then('the host hears {string} and its own URL is unchanged', async function (name) {
  const events = await hostEvent(this, name);
  assert.ok(events.some((e) => /^\/entities\/[^/]+\/officers$/.test(e.detail.path)), JSON.stringify(events));
  assert.equal(this.page.url(), this.hostUrl);
  assert.match(await this.page.locator('#host-path').innerText(), /^\/entities\/.+\/officers$/);
  await this.checkAccessibility('entity page officers tab');
});

Then('the host receives a {string} event', async function (name) {
  const events = await hostEvent(this, name);
  this.lastEvents = events;
  if (name === 'charter:entity-created') {
    assert.equal(events[0].detail.legal_name, 'Example Holdings Inc.');
    assert.equal(events[0].detail.tenant, 'acme');
    assert.match(events[0].detail.id, /^[0-9a-f-]{36}$/);
  }
});

Given('a host page with two micro-frontends for tenants {string} and {string}', async function (a, b) {
  await this.open(`/host-demo?tenant=${a}`, { token: this.keys[a] });
  await this.page.evaluate(({ tenant, key }) => {
    const second = document.createElement('charter-app');
    second.id = 'second';
    second.setAttribute('tenant', tenant);
    second.token = key;
    document.getElementById('host-content').appendChild(second);
  }, { tenant: b, key: this.keys[b] });
  this.pair = [a, b];
});

Then("each shows only its own tenant's entities", async function () {
  const [a, b] = this.pair;
  const first = this.page.locator(`charter-app[tenant="${a}"]`);
  const second = this.page.locator(`charter-app[tenant="${b}"]`);
  await expectVisible(first.getByRole('link', { name: 'Example Parent Corp' }), 'acme list');
  await expectVisible(second.getByRole('link', { name: 'Globex Widgets SA' }), 'globex list');
  assert.equal(await first.getByRole('link', { name: 'Globex Widgets SA' }).count(), 0);
  assert.equal(await second.getByRole('link', { name: 'Example Parent Corp' }).count(), 0);
  // navigating one leaves the other where it was
  await first.getByRole('link', { name: 'Example Parent Corp' }).click();
  await expectVisible(first.getByRole('heading', { name: 'Example Parent Corp', level: 1 }), 'acme entity page');
  await expectVisible(second.getByRole('heading', { name: 'Legal entities' }), 'globex still on its list');
});

// ---------- Add-legal-entity wizard ----------

async function chooseJurisdiction(w, code) {
  const [country] = code.split('-');
  await app(w).locator('#f-country').selectOption(country);
  if (code.includes('-')) await app(w).locator('#f-subdivision').selectOption(code);
}

When('I open the add-entity wizard and enter {string} in jurisdiction {string} with legal form {string}', async function (name, jurisdiction, form) {
  await openWizard(this);
  await app(this).getByLabel('Legal name').fill(name);
  await next(this);
  await expectStep(this, 2, 'Jurisdiction');
  await chooseJurisdiction(this, jurisdiction);
  await app(this).getByLabel('Legal form (ELF code)').fill('Corporation');
  // the searchable picker offers the form; pick it with the keyboard
  const option = app(this).getByRole('button', { name: new RegExp(`^${form} — `) });
  await expectVisible(option, `legal form ${form} in the picker`);
  await option.focus();
  await this.page.keyboard.press('Enter');
  assert.equal(await app(this).getByLabel('Legal form (ELF code)').inputValue(), form);
  await this.checkAccessibility('wizard: jurisdiction step');
  await next(this);
  await expectStep(this, 3, 'Registration');
});

When('I add {string} as director from {int}-{int}-{int} and issue {int},{int} ordinary shares to the parent entity', async function (person, y, m, d, th, units) {
  const date = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const shares = String(th * 1000 + units);
  await next(this);
  await expectStep(this, 4, 'Addresses');
  await app(this).getByLabel('Street address (one line each)').first().fill('1209 Orange Street');
  await app(this).getByLabel('City').first().fill('Wilmington');
  await app(this).getByLabel('Country (ISO code)').first().fill('US');
  await app(this).getByLabel('Agent name').fill('The Corporation Trust Company');
  await next(this);
  await expectStep(this, 5, 'Officers');
  const [given, family] = person.split(' ');
  await app(this).getByLabel('Given name').fill(given);
  await app(this).getByLabel('Family name').fill(family);
  await app(this).getByLabel('Role').selectOption('director');
  await app(this).getByLabel('Appointed on').fill(date);
  await app(this).getByRole('button', { name: 'Add officer' }).click();
  await expectVisible(app(this).locator(`li[data-officer="${person}"]`), 'officer row');
  await this.checkAccessibility('wizard: officers step');
  await next(this);
  await expectStep(this, 6, 'Share capital');
  await app(this).getByLabel('Share class name').fill('Ordinary');
  await app(this).getByLabel('Currency').fill('USD');
  await app(this).getByLabel('Find the holder (entity or person)').fill('Example Parent');
  await app(this).getByRole('button', { name: 'Pick Example Parent Corp' }).click();
  await app(this).getByLabel('Number of shares').fill(shares);
  await app(this).getByRole('button', { name: 'Add holder' }).click();
  await expectVisible(app(this).locator('li[data-holder="Example Parent Corp"]'), 'holder row');
  await next(this);
  await expectStep(this, 7, 'Review');
});

When('I confirm on the review step', async function () {
  await expectVisible(app(this).getByText('Jane Doe (director, 2024-01-15)'), 'officer on the review');
  await this.checkAccessibility('wizard: review step');
  await app(this).getByRole('button', { name: 'Confirm' }).click();
  await expectVisible(app(this).getByRole('heading', { name: 'Example Holdings Inc.', level: 1 }), 'the new entity page');
});

Then("the entity appears in the list and in the parent's structure chart", async function () {
  const a = app(this);
  await a.getByRole('link', { name: 'Officers' }).click();
  await expectVisible(a.getByRole('cell', { name: 'Jane Doe' }), 'Jane Doe as officer');
  await a.getByRole('link', { name: 'Ownership' }).click();
  await expectVisible(a.getByRole('cell', { name: '1,000' }), '1,000 shares in the register');
  await a.getByRole('link', { name: 'Entities', exact: true }).click();
  await a.getByLabel('Search').fill('Example Holdings');
  await expectVisible(a.getByRole('link', { name: 'Example Holdings Inc.' }), 'the new entity in the list');
  await a.getByLabel('Search').fill('');
  await a.getByRole('link', { name: 'Example Parent Corp' }).click();
  await a.getByRole('link', { name: 'Structure' }).click();
  await expectVisible(a.locator('svg.chart g.node', { hasText: 'Example Holdings Inc.' }), 'the new entity in the parent chart');
  await this.checkAccessibility('structure chart');
});

When('I choose jurisdiction {string} and then try legal form {string}', async function (jurisdiction, form) {
  await openWizard(this);
  await app(this).getByLabel('Legal name').fill('Exemple SAS');
  await next(this);
  await chooseJurisdiction(this, jurisdiction);
  await app(this).getByLabel('Legal form (ELF code)').fill(form);
  await next(this);
  this.form = { jurisdiction, form };
});

Then('the wizard shows the error next to the legal form field and does not advance', async function () {
  const a = app(this);
  const error = a.locator('[data-error-for="legal_form"]');
  await expectVisible(error, 'the legal form error');
  assert.match(await error.innerText(), /2HBR is a legal form of DE, not of FR/);
  const input = a.getByLabel('Legal form (ELF code)');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.match(await input.getAttribute('aria-describedby'), /f-legal_form-error/);
  // focus went to the field with the error
  assert.equal(await input.evaluate((el) => el.getRootNode().activeElement === el), true);
  await expectStep(this, 2, 'Jurisdiction');
  await this.checkAccessibility('wizard: error on the legal form');
});

const STEP_VALUES = {
  'Legal name': 'Gamma Trading Ltd',
  'Trading name (optional)': 'Gamma',
  'Registration authority': 'Companies House',
  'Registration number': '01234567',
  'LEI (optional)': '5493001KJTIIGC8Y1R12',
  'Incorporation date': '2020-05-01',
};

async function fillThreeSteps(w) {
  await openWizard(w);
  await app(w).getByLabel('Legal name').fill(STEP_VALUES['Legal name']);
  await app(w).getByLabel('Trading name (optional)').fill(STEP_VALUES['Trading name (optional)']);
  await next(w);
  await expectStep(w, 2);
  await chooseJurisdiction(w, 'GB');
  await next(w);
  await expectStep(w, 3);
  for (const label of ['Registration authority', 'Registration number', 'LEI (optional)', 'Incorporation date']) {
    await app(w).getByLabel(label).fill(STEP_VALUES[label]);
  }
}

async function checkValues(w, labels) {
  for (const label of labels) assert.equal(await app(w).getByLabel(label).inputValue(), STEP_VALUES[label], label);
}

When('I fill three steps, go back to the first and forward again', async function () {
  await fillThreeSteps(this);
  const back = () => app(this).getByRole('button', { name: 'Back' }).click();
  await back();
  await expectStep(this, 2);
  await back();
  await expectStep(this, 1);
  await checkValues(this, ['Legal name', 'Trading name (optional)']);
  // keyboard only: Enter submits the step
  await app(this).getByLabel('Legal name').press('Enter');
  await expectStep(this, 2);
  assert.equal(await app(this).locator('#step-heading').evaluate((h) => h.getRootNode().activeElement === h), true, 'focus moves to the step heading');
  await next(this);
  await expectStep(this, 3);
});

Then('every value is still there', async function () {
  await checkValues(this, ['Registration authority', 'Registration number', 'LEI (optional)', 'Incorporation date']);
  await app(this).getByRole('button', { name: 'Back' }).click();
  assert.equal(await app(this).locator('#f-country').inputValue(), 'GB');
});

When('I fill three steps and reload the page', async function () {
  await fillThreeSteps(this);
  await this.page.reload();
});

Then('the wizard reopens on the same step and every value is still there', async function () {
  await app(this).getByRole('link', { name: 'Add legal entity' }).click();
  await expectStep(this, 3, 'Registration');
  await expectVisible(app(this).getByText('Your draft was restored.'), 'draft restored note');
  await checkValues(this, ['Registration authority', 'Registration number', 'LEI (optional)', 'Incorporation date']);
  await app(this).getByRole('button', { name: 'Back' }).click();
  await app(this).getByRole('button', { name: 'Back' }).click();
  await checkValues(this, ['Legal name', 'Trading name (optional)']);
});

When('I type the LEI {string} in the registration step', async function (lei) {
  await openWizard(this);
  await app(this).getByLabel('Legal name').fill('Lei Test Ltd');
  await next(this);
  await chooseJurisdiction(this, 'GB');
  await next(this);
  await expectStep(this, 3);
  await app(this).getByLabel('LEI (optional)').fill(lei);
});

Then('the wizard says the check digits do not match', async function () {
  await expectVisible(app(this).locator('[data-lei-check="invalid"]', { hasText: 'check digits do not match' }), 'LEI check message');
  await next(this);
  await expectStep(this, 3);
  assert.match(await app(this).locator('[data-error-for="lei"]').innerText(), /check digits/);
});

Then('after correcting it to {string} the LEI is accepted', async function (lei) {
  await app(this).getByLabel('LEI (optional)').fill(lei);
  await expectVisible(app(this).locator('[data-lei-check="valid"]'), 'LEI accepted');
  await next(this);
  await expectStep(this, 4);
});

// ---------- Client onboarding ----------

When('I complete the onboarding wizard for {string} with placement {string} and one custom field {string}', async function (name, placement, field) {
  await this.open('/#/onboard', { standaloneKey: this.keys.platform });
  // a slug that is free answers 404 to the availability check
  this.allowedConsole.push(/status of 404 .* @ http:\/\/[^ ]+\/api\/v1\/tenants\/[^/?]+$/);
  const a = app(this);
  await expectStep(this, 1, 'Client details');
  await a.getByLabel('Client name').fill(name);
  assert.equal(await a.getByLabel('Short name in URLs').inputValue(), 'initech-llp');
  await next(this);
  await expectStep(this, 2, 'Placement');
  await a.getByLabel(placement === 'shared' ? 'Shared database' : 'Dedicated database').check();
  await this.checkAccessibility('onboarding: placement');
  await next(this);
  await expectStep(this, 3, 'Configuration');
  await a.getByLabel('Field label').fill(field);
  await a.getByRole('button', { name: 'Add field' }).click();
  await expectVisible(a.locator(`li[data-field="${field}"]`), 'custom field row');
  await a.getByLabel('Default jurisdictions (ISO codes, comma-separated)').fill('US-DE, GB');
  await next(this);
  await expectStep(this, 4, 'Administrators');
  await a.getByLabel('Administrator email').fill('admin@initech.example');
  await a.getByRole('button', { name: 'Add administrator' }).click();
  await next(this);
  await expectStep(this, 5, 'Review');
  await this.checkAccessibility('onboarding: review');
  await a.getByRole('button', { name: 'Confirm' }).click();
});

Then('tenant {string} is live and its add-entity wizard asks for {string}', async function (slug, label) {
  const a = app(this);
  await expectVisible(a.getByRole('heading', { name: 'Legal entities' }), 'the new tenant entity list');
  await expectVisible(a.getByText(`Charter · ${slug}`), 'landed in the tenant');
  const tenant = (await this.api('GET', `/api/v1/tenants/${slug}`, undefined, { key: this.keys.platform })).body;
  assert.equal(tenant.status, 'active');
  assert.equal(tenant.placement, 'shared');
  const members = (await this.api('GET', `/api/v1/tenants/${slug}/members`, undefined, { key: this.keys.platform })).body;
  assert.ok(JSON.stringify(members).includes('admin@initech.example'));
  await a.getByRole('link', { name: 'Add legal entity' }).click();
  await expectVisible(a.getByLabel(label), `the ${label} field`);
  assert.match(this.page.url(), new RegExp(`#/${slug}/new-entity$`));
});

// ---------- History and structure ----------

Given('an entity renamed from {string} to {string} effective {int}-{int}-{int}', async function (from, to, y, m, d) {
  const created = (await this.api('POST', '/api/v1/tenants/acme/entities', { legal_name: from, jurisdiction: 'GB', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
  const date = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  await this.api('PATCH', `/api/v1/tenants/acme/entities/${created.id}`, { legal_name: to, effective_from: date, reason: 'renamed' }, { headers: { 'If-Match': `"${created.version}"` } });
  this.entityId = created.id;
  this.names = { from, to };
  await this.open(`/#/acme/entities/${created.id}`, { standaloneKey: this.keys.acme });
  await expectVisible(app(this).getByRole('heading', { name: to, level: 1 }), 'the entity as of today');
});

When('I set the as-of date to {int}-{int}-{int}', async function (y, m, d) {
  const date = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  await app(this).getByLabel('As of', { exact: true }).fill(date);
});

Then('the entity page shows {string}', async function (name) {
  const a = app(this);
  await expectVisible(a.getByRole('heading', { name, level: 1 }), `${name} as the heading`);
  assert.equal(await a.locator('[data-fact="legal_name"]').innerText(), name);
  await a.getByRole('link', { name: 'History' }).click();
  await expectVisible(a.getByText(`legal name: ${this.names.from}`), 'old name in the timeline');
  await expectVisible(a.getByText(`legal name: ${this.names.to}`), 'new name in the timeline');
  await this.checkAccessibility('history timeline');
});

Given('two entities that hold shares in each other', async function () {
  const make = async (legal_name) => (await this.api('POST', '/api/v1/tenants/acme/entities', { legal_name, jurisdiction: 'GB', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
  const x = await make('Cross One Ltd');
  const y = await make('Cross Two Ltd');
  for (const [issuer, holder, shares] of [[x, y, 300], [y, x, 400]]) {
    const cls = (await this.api('POST', `/api/v1/tenants/acme/entities/${issuer.id}/share-classes`, { name: 'Ordinary', currency: 'GBP', nominal_value: '1', effective_from: '2020-01-01', reason: 'e2e seed' })).body;
    await this.api('POST', '/api/v1/tenants/acme/share-transactions', { kind: 'issuance', share_class_id: cls.id, to_holder: { entity_id: holder.id }, shares, effective_from: '2020-01-01', reason: 'e2e seed' });
  }
  this.cross = [x, y];
});

When('I open the structure chart of the first', async function () {
  await this.open(`/#/acme/entities/${this.cross[0].id}/structure`, { standaloneKey: this.keys.acme });
});

Then('both entities and both share links are drawn', async function () {
  const a = app(this);
  await expectVisible(a.locator('svg.chart g.node', { hasText: 'Cross One Ltd' }), 'first entity');
  await expectVisible(a.locator('svg.chart g.node', { hasText: 'Cross Two Ltd' }), 'second entity');
  assert.equal(await a.locator('svg.chart g.link[data-kind="shareholding"]').count(), 2);
  assert.equal(await a.locator('svg.chart g.link[data-back="true"]').count(), 1, 'the cross-holding is drawn as an arc');
  // pan and zoom keep working
  await a.getByRole('button', { name: 'Zoom in' }).click();
  const box = await a.locator('.viewport').boundingBox();
  await this.page.mouse.move(box.x + 50, box.y + 50);
  await this.page.mouse.down();
  await this.page.mouse.move(box.x + 150, box.y + 120, { steps: 5 });
  await this.page.mouse.up();
  // open the other entity by keyboard
  await a.locator('svg.chart g.node', { hasText: 'Cross Two Ltd' }).focus();
  await this.page.keyboard.press('Enter');
  await expectVisible(a.getByRole('heading', { name: 'Cross Two Ltd', level: 1 }), 'opened from the chart');
});

Then('the chart exports as SVG and PNG', async function () {
  const a = app(this);
  await expectVisible(a.locator('svg.chart g.node', { hasText: 'Cross One Ltd' }), 'chart');
  const [svg] = await Promise.all([this.page.waitForEvent('download'), a.getByRole('button', { name: 'Export SVG' }).click()]);
  assert.match(svg.suggestedFilename(), /\.svg$/);
  const text = await (await import('node:fs/promises')).readFile(await svg.path(), 'utf8');
  assert.match(text, /<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(text, /Cross One Ltd/);
  const [png] = await Promise.all([this.page.waitForEvent('download'), a.getByRole('button', { name: 'Export PNG' }).click()]);
  assert.match(png.suggestedFilename(), /\.png$/);
  const bytes = await (await import('node:fs/promises')).readFile(await png.path());
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  await this.checkAccessibility('structure chart with a cross-holding');
});
