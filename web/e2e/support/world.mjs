// The cucumber World: one Chromium for the run, a fresh context per scenario,
// console errors and page errors fail the scenario, a screenshot of every
// scenario lands in web/test-results, axe-core checks each screen.
import { After, AfterAll, Before, BeforeAll, Status, setDefaultTimeout, setWorldConstructor, World } from '@cucumber/cucumber';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
setDefaultTimeout(60_000);

let browser;
BeforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
AfterAll(async () => {
  await browser?.close();
});

export class CharterWorld extends World {
  url = process.env.E2E_URL;
  keys = { platform: process.env.E2E_PLATFORM_KEY, acme: process.env.E2E_ACME_KEY, globex: process.env.E2E_GLOBEX_KEY };
  consoleErrors = [];
  /** Console messages a scenario expects (e.g. the 401 of an expired token). */
  allowedConsole = [];
  a11y = [];

  async open(path, { token, standaloneKey, tenant } = {}) {
    if (token !== undefined) await this.page.addInitScript((t) => sessionStorage.setItem('host-demo:token', t), token);
    if (standaloneKey !== undefined) await this.page.addInitScript((t) => sessionStorage.setItem('charter:standalone-api-key', t), standaloneKey);
    void tenant;
    await this.page.goto(this.url + path);
  }

  /** The API as a test fixture (seeding), with a tenant key. */
  async api(method, path, body, { key = this.keys.acme, headers = {} } = {}) {
    const res = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  /** axe-core over the page (shadow roots included): serious and critical violations fail the scenario. */
  async checkAccessibility(label) {
    await this.page.addScriptTag({ path: AXE });
    const violations = await this.page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
    });
    if (violations.length) this.a11y.push(`${label}:\n  ${violations.join('\n  ')}`);
  }
}
setWorldConstructor(CharterWorld);

Before(async function () {
  this.context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  this.page = await this.context.newPage();
  this.page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = `${msg.text()} @ ${msg.location()?.url ?? ''}`;
    if (this.allowedConsole.some((re) => re.test(text))) return;
    this.consoleErrors.push(text);
  });
  this.page.on('pageerror', (err) => this.consoleErrors.push(`pageerror: ${err.message}`));
});

After(async function (scenario) {
  const dir = process.env.E2E_RESULTS ?? 'test-results';
  mkdirSync(dir, { recursive: true });
  const name = scenario.pickle.name.replace(/[^\w-]+/g, '_').slice(0, 100);
  const status = scenario.result?.status === Status.PASSED ? 'passed' : 'failed';
  if (this.page) {
    const shot = await this.page.screenshot({ path: join(dir, `${name}.${status}.png`), fullPage: true }).catch(() => null);
    if (shot) this.attach(shot, 'image/png');
    if (status === 'passed') await this.checkAccessibility('final screen').catch((e) => this.a11y.push(`axe failed: ${e.message}`));
  }
  await this.context?.close();
  const problems = [];
  if (this.consoleErrors.length) problems.push(`console errors:\n  ${this.consoleErrors.join('\n  ')}`);
  if (this.a11y.length) problems.push(`accessibility violations (serious/critical):\n${this.a11y.join('\n')}`);
  if (problems.length && status === 'passed') throw new Error(problems.join('\n'));
});
