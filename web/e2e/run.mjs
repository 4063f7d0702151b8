// End-to-end runner: a fresh control database on the local PostgreSQL, a real
// `charter serve`, a tiny same-origin server for web/dist that proxies /api
// and /auth to Charter, seed data through the API, then cucumber-js (strict)
// over ../features/web/*.feature. Cleans up processes and databases.
import { spawn, execFileSync } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(web, '..');
const dist = join(web, 'dist');
const results = join(web, 'test-results');
const charterBin = process.env.CHARTER_BIN ?? join(repo, 'target/debug/charter');
const pgAdmin = process.env.CHARTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `charter_e2e_${randomBytes(4).toString('hex')}`;
const dbUrl = pgAdmin.replace(/\/[^/]*$/, `/${dbName}`);

const children = [];
let proxy;

function psql(sql) {
  return execFileSync('psql', [pgAdmin, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await sleep(300);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  proxy?.close();
  try {
    const dbs = psql(`SELECT datname FROM pg_database WHERE datname LIKE '${dbName}%'`).split('\n').filter(Boolean);
    for (const db of dbs) psql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  } catch (e) {
    console.error('could not drop the e2e databases:', e.message);
  }
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

function serveDist(charterPort) {
  return createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (/^\/(api|auth|livez|readyz)(\/|$)/.test(url.pathname)) {
      const up = httpRequest({ host: '127.0.0.1', port: charterPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(up);
      return;
    }
    const path = url.pathname === '/' ? 'index.html' : url.pathname === '/host-demo' ? 'host-demo/index.html' : url.pathname.slice(1);
    const file = normalize(join(dist, path));
    if (!file.startsWith(dist) || !path.startsWith('mfe/') && !path.endsWith('index.html') || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(readFileSync(file));
  });
}

async function api(base, key, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function seed(base, platformKey) {
  const keys = {};
  for (const [slug, name] of [['acme', 'Acme Corporation'], ['globex', 'Globex Corporation']]) {
    await api(base, platformKey, 'POST', '/api/v1/tenants', { slug, name, placement: 'shared' });
    keys[slug] = (await api(base, platformKey, 'POST', `/api/v1/tenants/${slug}/api-keys`, { name: 'e2e', role: 'admin' })).key;
  }
  const t = (slug) => `/api/v1/tenants/${slug}`;
  const entity = (slug, body) => api(base, keys[slug], 'POST', `${t(slug)}/entities`, { effective_from: '2020-01-01', reason: 'e2e seed', ...body });
  await entity('acme', { legal_name: 'Example Parent Corp', jurisdiction: 'US-DE', legal_form: 'XTIQ' });
  await entity('acme', { legal_name: 'Atlas Trading GmbH', jurisdiction: 'DE', legal_form: '2HBR' });
  await entity('acme', { legal_name: 'Acme Services Ltd', jurisdiction: 'GB' });
  await entity('globex', { legal_name: 'Globex Widgets SA', jurisdiction: 'FR' });
  return keys;
}

async function main() {
  if (!existsSync(join(dist, 'mfe/charter.js'))) throw new Error('web/dist is missing: run `npm run build` first');
  if (!existsSync(charterBin)) throw new Error(`${charterBin} is missing: run \`cargo build -p charter\``);
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });

  psql(`CREATE DATABASE "${dbName}"`);
  const env = { ...process.env, CHARTER_DATABASE_URL: dbUrl, CHARTER_LOG: process.env.CHARTER_LOG ?? 'warn' };
  const out = execFileSync(charterBin, ['admin-key', 'create', '--name', 'e2e'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const platformKey = out.match(/chk_[A-Za-z0-9_-]+/)?.[0];
  if (!platformKey) throw new Error(`no key in: ${out}`);

  const charterPort = await freePort();
  const charter = spawn(charterBin, ['serve'], { env: { ...env, CHARTER_LISTEN: `127.0.0.1:${charterPort}` }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(charter);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${charterPort}/readyz`)).ok) break;
    } catch { /* not yet */ }
    if (i > 150 || charter.exitCode !== null) throw new Error('charter serve did not become ready');
    await sleep(200);
  }
  // Charter serves the UI itself (web/dist, embedded in release builds, read
  // from disk in debug ones); only a binary built without it needs the proxy.
  let base = `http://127.0.0.1:${charterPort}`;
  const served = await fetch(`${base}/mfe/charter.js`).then((r) => r.ok, () => false);
  if (!served) {
    const webPort = await freePort();
    proxy = serveDist(charterPort);
    await new Promise((r) => proxy.listen(webPort, '127.0.0.1', r));
    base = `http://127.0.0.1:${webPort}`;
    console.log('e2e: this charter binary does not serve web/dist; proxying it');
  }
  const keys = await seed(base, platformKey);
  console.log(`e2e: charter on :${charterPort}, web on ${base}, database ${dbName}`);

  const cucumber = join(web, 'node_modules/.bin/cucumber-js');
  const args = [
    ...(process.argv.slice(2).length ? process.argv.slice(2) : ['../features/web/*.feature']),
    '--import', 'e2e/support/*.mjs', '--import', 'e2e/steps/*.mjs',
    '--strict', '--format', 'progress-bar', '--format', `json:${join(results, 'cucumber.json')}`, '--format', 'summary',
  ];
  const run = spawn(cucumber, args, {
    cwd: web,
    stdio: 'inherit',
    env: { ...process.env, E2E_URL: base, E2E_PLATFORM_KEY: platformKey, E2E_ACME_KEY: keys.acme, E2E_GLOBEX_KEY: keys.globex, E2E_RESULTS: results },
  });
  children.push(run);
  return await new Promise((r) => run.on('exit', (code) => r(code ?? 1)));
}

let code = 1;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });
try {
  code = await main();
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
