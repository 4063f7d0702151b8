// Self-test for provider.mjs (`npm test`). Uses only Node built-ins: it drives the
// harness the way the Rust suite will (plain HTTP, cookies, redirects, no JS) and
// exits non-zero on the first broken contract point.

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

const PROVIDER = fileURLToPath(new URL('./provider.mjs', import.meta.url));
const REDIRECT = 'http://127.0.0.1:9/cb';
const POST_LOGOUT = 'http://127.0.0.1:9/logged-out';
const started = Date.now();
let passed = 0;
const children = [];
const handles = [];
const VERBOSE = Boolean(process.env.SELFTEST_VERBOSE);

function check(condition, message, detail) {
  if (!condition) {
    const extra = detail === undefined ? '' : `\n  got: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`;
    throw new Error(`${message}${extra}`);
  }
}

async function step(name, fn) {
  await fn();
  passed += 1;
  console.log(`  ok  ${name}`);
}

// --- process handling ------------------------------------------------------
function startProvider(env = {}) {
  const child = spawn(process.execPath, [PROVIDER], {
    // Ignore OIDC_* from the caller's environment so the run is deterministic.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OIDC_'))), OIDC_PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const handle = { child, stdout: '', stderr: '' };
  handles.push(handle);
  child.stderr.on('data', (d) => { handle.stderr += d; });
  handle.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  handle.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      handle.stdout += d;
      const nl = handle.stdout.indexOf('\n');
      if (nl !== -1) resolve(handle.stdout.slice(0, nl));
    });
    handle.exited.then(({ code }) => reject(new Error(`provider exited (${code}) before ready:\n${handle.stderr}`)));
    setTimeout(() => reject(new Error(`provider not ready after 10s:\n${handle.stderr}`)), 10_000).unref();
  });
  return handle;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); })])
    .finally(() => clearTimeout(timer));
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// --- HTTP helpers ------------------------------------------------------------
class CookieJar {
  cookies = [];

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = false;
      for (const attr of attrs) {
        const [k, v = ''] = attr.trim().split('=');
        if (k.toLowerCase() === 'path') path = v;
        if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
        check(k.toLowerCase() !== 'secure', `cookie ${name} is Secure, unusable over http`);
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  header(pathname) {
    return this.cookies
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

// Follow redirects like a non-JS client; every hop must be a 3xx until `stopAt`.
async function follow(start, jar, stopAt) {
  let url = new URL(start);
  for (let hop = 0; hop < 15; hop += 1) {
    const cookie = jar.header(url.pathname);
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) {
      throw new Error(`hop ${hop} to ${url} answered ${res.status} instead of a redirect:\n${(await res.text()).slice(0, 400)}`);
    }
    await res.arrayBuffer();
    url = new URL(location, url);
    if (url.href.startsWith(stopAt)) return { url, params: url.searchParams, hops: hop + 1 };
  }
  throw new Error(`more than 15 redirects from ${start}`);
}

async function json(url, { method = 'GET', body, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function token(endpoint, params, { id, secret, method = 'basic' }) {
  const form = new URLSearchParams(params);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (method === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', id);
    if (method === 'post') form.set('client_secret', secret);
  }
  const res = await fetch(endpoint, { method: 'POST', headers, body: form });
  return { status: res.status, body: await res.json() };
}

const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());

async function verifyJwt(jwt, jwksUri) {
  const [h, p, s] = jwt.split('.');
  const header = b64json(h);
  const jwks = (await json(jwksUri)).body;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  check(jwk, `JWT kid ${header.kid} not in JWKS`, jwks.keys.map((k) => k.kid));
  check(header.alg === 'RS256', 'JWT alg must be RS256', header);
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  check(ok, 'JWT signature does not verify against the JWKS');
  return { header, payload: b64json(p) };
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

const subFor = (email) => `user-${crypto.createHash('sha256').update(email).digest('hex').slice(0, 16)}`;

// Full front-channel code flow; returns the redirect URI parameters plus the PKCE verifier.
async function authorize(disco, jar, { clientId, loginHint, scope = 'openid email profile', extra = {}, withPkce = true }) {
  const state = crypto.randomBytes(8).toString('hex');
  const nonce = crypto.randomBytes(8).toString('hex');
  const { verifier, challenge } = pkce();
  const url = new URL(disco.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope, state, nonce,
    ...(withPkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
    ...(loginHint ? { login_hint: loginHint } : {}),
    ...extra,
  });
  const result = await follow(url, jar, REDIRECT);
  return { ...result, state, nonce, verifier };
}

// --- the test ----------------------------------------------------------------
async function main() {
  console.log('oidc-provider harness self-test');
  const main = startProvider();
  const readyLine = await main.ready;
  const { issuer, port } = JSON.parse(readyLine);
  const disco = {};
  const web = { id: 'charter-web', secret: 'web-secret' };
  const sam = 'sam@firm.example';
  const jar = new CookieJar();
  let firstTokens;
  let preRotationCode;
  let firstKid;

  await step('ready line is exactly {"issuer":"http://127.0.0.1:PORT","port":PORT}', () => {
    check(readyLine === JSON.stringify({ issuer: `http://127.0.0.1:${port}`, port }), 'ready line format', readyLine);
    check(Number.isInteger(port) && port > 0, 'port is a positive integer', port);
  });

  await step('GET /test/health', async () => {
    const res = await json(`${issuer}/test/health`);
    check(res.status === 200 && res.body.ok === true, 'health', res);
  });

  await step('register clients (confidential, public, client_credentials) at runtime', async () => {
    const a = await json(`${issuer}/test/clients`, { method: 'POST', body: { client_id: web.id, client_secret: 'old-secret', redirect_uris: [REDIRECT] } });
    check(a.status === 201, 'first registration', a);
    // Re-posting replaces the client (new secret, logout URI added).
    const b = await json(`${issuer}/test/clients`, { method: 'POST', body: { client_id: web.id, client_secret: web.secret, redirect_uris: [REDIRECT], post_logout_redirect_uris: [POST_LOGOUT] } });
    check(b.status === 201 && b.body.token_endpoint_auth_method === 'client_secret_basic', 'replacement', b);
    const oldSecret = await token(`${issuer}/token`, { grant_type: 'refresh_token', refresh_token: 'x' }, { id: web.id, secret: 'old-secret' });
    check(oldSecret.status === 401 && oldSecret.body.error === 'invalid_client', 'replaced secret no longer authenticates', oldSecret);
    const c = await json(`${issuer}/test/clients`, { method: 'POST', body: { client_id: 'charter-spa', redirect_uris: [REDIRECT], post_logout_redirect_uris: [POST_LOGOUT] } });
    check(c.status === 201 && c.body.token_endpoint_auth_method === 'none', 'public client', c);
    const d = await json(`${issuer}/test/clients`, { method: 'POST', body: { client_id: 'charter-worker', client_secret: 'worker-secret', grant_types: ['client_credentials'] } });
    check(d.status === 201, 'client_credentials client', d);
    const bad = await json(`${issuer}/test/clients`, { method: 'POST', body: { client_id: 'broken', redirect_uris: ['not a url'] } });
    check(bad.status === 400, 'invalid client metadata is rejected with 400', bad);
  });

  await step('PUT /test/users/:email sets groups', async () => {
    const res = await json(`${issuer}/test/users/${encodeURIComponent(sam)}`, { method: 'PUT', body: { groups: ['charter:platform-admin', 'charter:tenant-a'], name: 'Sam Counsel' } });
    check(res.status === 200, 'status', res);
    check(res.body.sub === subFor(sam) && res.body.email === sam && res.body.email_verified === true, 'account defaults', res.body);
    check(JSON.stringify(res.body.groups) === '["charter:platform-admin","charter:tenant-a"]', 'groups', res.body);
  });

  await step('discovery document', async () => {
    const res = await json(`${issuer}/.well-known/openid-configuration`);
    Object.assign(disco, res.body);
    check(disco.issuer === issuer, 'issuer', disco.issuer);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'end_session_endpoint', 'userinfo_endpoint']) {
      check(disco[k]?.startsWith(`${issuer}/`), `${k} advertised`, disco[k]);
    }
    check(disco.code_challenge_methods_supported.includes('S256'), 'S256 supported');
    check(['openid', 'email', 'profile', 'offline_access', 'groups'].every((s) => disco.scopes_supported.includes(s)), 'scopes', disco.scopes_supported);
    check(disco.id_token_signing_alg_values_supported.includes('RS256'), 'RS256');
    check(['client_secret_basic', 'client_secret_post', 'none'].every((m) => disco.token_endpoint_auth_methods_supported.includes(m)), 'auth methods');
    const jwks = (await json(disco.jwks_uri)).body;
    check(jwks.keys.length === 1 && jwks.keys[0].kid && jwks.keys[0].kty === 'RSA' && !jwks.keys[0].d, 'JWKS has one public RSA key with kid', jwks);
    firstKid = jwks.keys[0].kid;
  });

  await step('PKCE is required, even for a confidential client', async () => {
    const res = await authorize(disco, new CookieJar(), { clientId: web.id, loginHint: sam, withPkce: false });
    check(res.params.get('error') === 'invalid_request' && res.params.get('state') === res.state, 'error redirect without PKCE', res.url.href);
  });

  await step('code flow: login_hint + PKCE S256 + state + nonce, redirects only', async () => {
    const res = await authorize(disco, jar, { clientId: web.id, loginHint: sam });
    check(res.params.get('code') && res.params.get('state') === res.state, 'code and state at redirect_uri', res.url.href);
    check(res.params.get('iss') === issuer, 'RFC 9207 iss parameter', res.url.href);
    const tok = await token(disco.token_endpoint, { grant_type: 'authorization_code', code: res.params.get('code'), redirect_uri: REDIRECT, code_verifier: res.verifier }, web);
    check(tok.status === 200, 'token exchange (client_secret_basic)', tok);
    check(tok.body.token_type === 'Bearer' && tok.body.expires_in === 300 && tok.body.refresh_token && tok.body.id_token, 'token response shape', tok.body);
    firstTokens = { ...tok.body, nonce: res.nonce };
    if (VERBOSE) {
      for (const name of ['id_token', 'access_token']) {
        const [h, p] = tok.body[name].split('.');
        console.log(`      ${name}: ${JSON.stringify(b64json(h))} ${JSON.stringify(b64json(p))}`);
      }
    }
    console.log(`      (${res.hops} redirects to the client)`);
  });

  await step('ID token: signature, nonce, email, name, groups', async () => {
    const { header, payload } = await verifyJwt(firstTokens.id_token, disco.jwks_uri);
    check(header.kid === firstKid, 'id_token kid');
    check(payload.iss === issuer && payload.aud === web.id && payload.nonce === firstTokens.nonce, 'iss/aud/nonce', payload);
    check(payload.sub === subFor(sam) && payload.email === sam && payload.email_verified === true && payload.name === 'Sam Counsel', 'user claims', payload);
    check(JSON.stringify(payload.groups) === '["charter:platform-admin","charter:tenant-a"]', 'groups claim', payload);
    check(payload.exp - payload.iat === 300, 'ID token TTL 300', payload);
  });

  await step('access token: RS256 JWT, aud=charter-api, email + groups + standard claims', async () => {
    const { header, payload } = await verifyJwt(firstTokens.access_token, disco.jwks_uri);
    check(header.typ === 'at+jwt' && header.kid === firstKid, 'header', header);
    check(payload.aud === 'charter-api' && payload.iss === issuer && payload.sub === subFor(sam) && payload.client_id === web.id, 'aud/iss/sub/client_id', payload);
    check(payload.email === sam && JSON.stringify(payload.groups) === '["charter:platform-admin","charter:tenant-a"]', 'email/groups', payload);
    check(payload.scope === 'openid email profile' && payload.jti && payload.exp - payload.iat === 300, 'scope/jti/ttl', payload);
  });

  await step('userinfo refuses the API-audience access token (documented limitation)', async () => {
    const res = await fetch(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${firstTokens.access_token}` } });
    check(res.status === 401, 'userinfo status', res.status);
  });

  await step('refresh_token grant (client_secret_post), without offline_access', async () => {
    const tok = await token(disco.token_endpoint, { grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token }, { ...web, method: 'post' });
    check(tok.status === 200 && tok.body.access_token && tok.body.id_token, 'refresh', tok);
    const { payload } = await verifyJwt(tok.body.access_token, disco.jwks_uri);
    check(payload.aud === 'charter-api' && payload.email === sam, 'refreshed access token claims', payload);
  });

  await step('provider session is reused (SSO) and a code is held across the rotation', async () => {
    const res = await authorize(disco, jar, { clientId: web.id });
    check(res.params.get('code') && res.hops === 1, 'existing session answers /auth directly', { hops: res.hops, url: res.url.href });
    preRotationCode = res;
  });

  let secondKid;
  await step('POST /test/rotate: new signing key, both keys published', async () => {
    const res = await json(`${issuer}/test/rotate`, { method: 'POST' });
    secondKid = res.body.kid;
    check(res.status === 200 && secondKid && secondKid !== firstKid, 'new kid', res.body);
    check(JSON.stringify(res.body.jwks_kids) === JSON.stringify([secondKid, firstKid]), 'jwks_kids', res.body);
    const jwks = (await json(disco.jwks_uri)).body;
    check(jwks.keys.map((k) => k.kid).join() === [secondKid, firstKid].join(), 'JWKS holds both keys', jwks.keys.map((k) => k.kid));
    const sk = await json(`${issuer}/test/signing-key`);
    check(sk.body.kid === secondKid && sk.body.alg === 'RS256' && sk.body.d, 'GET /test/signing-key is the new private JWK', Object.keys(sk.body));
  });

  await step('code issued before rotation redeems after it; tokens use the new kid', async () => {
    const tok = await token(disco.token_endpoint, { grant_type: 'authorization_code', code: preRotationCode.params.get('code'), redirect_uri: REDIRECT, code_verifier: preRotationCode.verifier }, web);
    check(tok.status === 200, 'pre-rotation code', tok);
    const at = await verifyJwt(tok.body.access_token, disco.jwks_uri);
    const id = await verifyJwt(tok.body.id_token, disco.jwks_uri);
    check(at.header.kid === secondKid && id.header.kid === secondKid, 'new kid on both tokens', [at.header, id.header]);
    check(id.payload.nonce === preRotationCode.nonce, 'nonce survives');
  });

  await step('refresh token issued before rotation still works', async () => {
    const tok = await token(disco.token_endpoint, { grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token }, web);
    check(tok.status === 200, 'old refresh token', tok);
    check((await verifyJwt(tok.body.access_token, disco.jwks_uri)).header.kid === secondKid, 'new kid');
  });

  await step('login_hint for another user switches account in the same cookie jar', async () => {
    const res = await authorize(disco, jar, { clientId: web.id, loginHint: 'alex@firm.example' });
    const tok = await token(disco.token_endpoint, { grant_type: 'authorization_code', code: res.params.get('code'), redirect_uri: REDIRECT, code_verifier: res.verifier }, web);
    const { payload } = await verifyJwt(tok.body.id_token, disco.jwks_uri);
    check(payload.email === 'alex@firm.example' && payload.name === 'alex' && JSON.stringify(payload.groups) === '[]', 'default account', payload);
    // and back to sam, so the logout test below ends sam's session
    const back = await authorize(disco, jar, { clientId: web.id, loginHint: sam });
    const tok2 = await token(disco.token_endpoint, { grant_type: 'authorization_code', code: back.params.get('code'), redirect_uri: REDIRECT, code_verifier: back.verifier }, web);
    check(tok2.status === 200, 'sam again', tok2);
    firstTokens = tok2.body;
  });

  await step('public client: PKCE + token_endpoint_auth_method none, refresh rotates', async () => {
    const res = await authorize(disco, new CookieJar(), { clientId: 'charter-spa', loginHint: sam, scope: 'openid groups' });
    const tok = await token(disco.token_endpoint, { grant_type: 'authorization_code', code: res.params.get('code'), redirect_uri: REDIRECT, code_verifier: res.verifier }, { id: 'charter-spa', method: 'none' });
    check(tok.status === 200 && tok.body.refresh_token, 'public client tokens', tok);
    const { payload } = await verifyJwt(tok.body.id_token, disco.jwks_uri);
    check(payload.groups?.length === 2 && payload.email === undefined, 'groups scope carries only groups', payload);
    const ref = await token(disco.token_endpoint, { grant_type: 'refresh_token', refresh_token: tok.body.refresh_token }, { id: 'charter-spa', method: 'none' });
    check(ref.status === 200 && ref.body.refresh_token !== tok.body.refresh_token, 'public refresh rotates', ref);
  });

  await step('client_credentials: JWT access token for charter-api', async () => {
    const tok = await token(disco.token_endpoint, { grant_type: 'client_credentials' }, { id: 'charter-worker', secret: 'worker-secret' });
    check(tok.status === 200, 'client_credentials', tok);
    const { payload } = await verifyJwt(tok.body.access_token, disco.jwks_uri);
    check(payload.aud === 'charter-api' && payload.sub === 'charter-worker' && payload.client_id === 'charter-worker', 'claims', payload);
  });

  await step('POST /test/mint: defaults, overrides, null removal, named kid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await json(`${issuer}/test/mint`, { method: 'POST', body: { claims: { sub: 'user-x', exp: now - 60, groups: ['g'] } } });
    check(res.status === 200, 'mint', res);
    const { header, payload } = await verifyJwt(res.body.token, disco.jwks_uri);
    check(header.kid === secondKid && payload.iss === issuer && payload.aud === 'charter-api' && payload.exp === now - 60 && payload.groups[0] === 'g', 'minted claims', payload);
    const old = await json(`${issuer}/test/mint`, { method: 'POST', body: { kid: firstKid, claims: { sub: 'user-x', aud: 'other', nbf: now + 3600, iat: null } } });
    const v = await verifyJwt(old.body.token, disco.jwks_uri);
    check(v.header.kid === firstKid && v.payload.aud === 'other' && v.payload.nbf === now + 3600 && !('iat' in v.payload), 'kid + overrides', v);
    const noSub = await json(`${issuer}/test/mint`, { method: 'POST', body: { claims: {} } });
    check(noSub.status === 400, 'sub is required', noSub);
  });

  await step('deny@ login_hint ends with error=access_denied at the redirect URI', async () => {
    const res = await authorize(disco, jar, { clientId: web.id, loginHint: 'deny@firm.example' });
    check(res.params.get('error') === 'access_denied' && res.params.get('state') === res.state && !res.params.get('code'), 'denied (signed-in jar)', res.url.href);
    const fresh = await authorize(disco, new CookieJar(), { clientId: web.id, loginHint: 'Deny@elsewhere.example' });
    check(fresh.params.get('error') === 'access_denied' && fresh.params.get('state') === fresh.state, 'denied (fresh jar)', fresh.url.href);
  });

  await step('no login_hint and no OIDC_DEFAULT_LOGIN: access_denied', async () => {
    const res = await authorize(disco, new CookieJar(), { clientId: web.id });
    check(res.params.get('error') === 'access_denied' && res.params.get('state') === res.state, 'denied', res.url.href);
  });

  let offline;
  await step('offline_access + prompt=consent in the same session (refresh token outlives logout)', async () => {
    const res = await authorize(disco, jar, { clientId: web.id, scope: 'openid email offline_access', extra: { prompt: 'consent' } });
    const tok = await token(disco.token_endpoint, { grant_type: 'authorization_code', code: res.params.get('code'), redirect_uri: REDIRECT, code_verifier: res.verifier }, web);
    check(tok.status === 200 && tok.body.refresh_token && tok.body.scope.includes('offline_access'), 'offline tokens', tok);
    offline = tok.body;
  });

  await step('RP-initiated logout: redirects only, ends at post_logout_redirect_uri with state', async () => {
    const state = 'bye-123';
    const url = new URL(disco.end_session_endpoint);
    url.search = new URLSearchParams({ id_token_hint: firstTokens.id_token, post_logout_redirect_uri: POST_LOGOUT, state });
    const res = await follow(url, jar, POST_LOGOUT);
    check(res.params.get('state') === state, 'state echoed', res.url.href);
    check(!jar.cookies.some((c) => c.name === '_session'), 'session cookie cleared', jar.cookies);
    const tok = await token(disco.token_endpoint, { grant_type: 'refresh_token', refresh_token: firstTokens.refresh_token }, web);
    check(tok.status === 400 && tok.body.error === 'invalid_grant', 'session-bound refresh token dies with the session', tok);
    const off = await token(disco.token_endpoint, { grant_type: 'refresh_token', refresh_token: offline.refresh_token }, web);
    check(off.status === 200, 'offline_access refresh token survives logout', off);
    const again = await authorize(disco, jar, { clientId: web.id });
    check(again.params.get('error') === 'access_denied', 'provider session is gone (login needed again)', again.url.href);
  });

  await step('logout without a provider session also completes by redirects', async () => {
    const url = new URL(disco.end_session_endpoint);
    url.search = new URLSearchParams({ client_id: 'charter-spa', post_logout_redirect_uri: POST_LOGOUT, state: 's2' });
    const res = await follow(url, new CookieJar(), POST_LOGOUT);
    check(res.params.get('state') === 's2', 'state echoed', res.url.href);
  });

  await step('rotate with retire_previous publishes only the new key', async () => {
    const res = await json(`${issuer}/test/rotate`, { method: 'POST', body: { retire_previous: true } });
    const jwks = (await json(disco.jwks_uri)).body;
    check(res.body.jwks_kids.length === 1 && jwks.keys.length === 1 && jwks.keys[0].kid === res.body.kid, 'single key', jwks.keys.map((k) => k.kid));
  });

  await step('only the ready line was written to stdout; stdin EOF exits cleanly', async () => {
    main.child.stdin.end();
    const { code } = await withTimeout(main.exited, 5000, 'exit after stdin EOF');
    check(code === 0, 'exit code 0', { code, stderr: main.stderr });
    check(main.stdout === `${readyLine}\n`, 'stdout', main.stdout);
  });

  // Second instance: fixed port, custom audience/TTLs, OIDC_DEFAULT_LOGIN, SIGTERM.
  await step('env: OIDC_PORT, OIDC_API_AUDIENCE, TTLs, OIDC_DEFAULT_LOGIN; SIGTERM exits cleanly', async () => {
    const fixed = await freePort();
    const other = startProvider({
      OIDC_PORT: String(fixed), OIDC_API_AUDIENCE: 'https://api.charter.test', OIDC_ACCESS_TOKEN_TTL: '120', OIDC_ID_TOKEN_TTL: '60', OIDC_DEFAULT_LOGIN: 'dana@firm.example',
    });
    const info = JSON.parse(await other.ready);
    check(info.port === fixed && info.issuer === `http://127.0.0.1:${fixed}`, 'fixed port', info);
    await json(`${info.issuer}/test/clients`, { method: 'POST', body: { client_id: 'c2', client_secret: 's2', redirect_uris: [REDIRECT] } });
    const d2 = (await json(`${info.issuer}/.well-known/openid-configuration`)).body;
    const res = await authorize(d2, new CookieJar(), { clientId: 'c2' });
    const tok = await token(d2.token_endpoint, { grant_type: 'authorization_code', code: res.params.get('code'), redirect_uri: REDIRECT, code_verifier: res.verifier }, { id: 'c2', secret: 's2' });
    check(tok.status === 200, 'token', tok);
    const at = (await verifyJwt(tok.body.access_token, d2.jwks_uri)).payload;
    const id = (await verifyJwt(tok.body.id_token, d2.jwks_uri)).payload;
    check(at.aud === 'https://api.charter.test' && at.exp - at.iat === 120 && at.email === 'dana@firm.example', 'access token env', at);
    check(id.exp - id.iat === 60 && id.email === 'dana@firm.example', 'id token env', id);
    other.child.kill('SIGTERM');
    const { code } = await withTimeout(other.exited, 5000, 'exit after SIGTERM');
    check(code === 0, 'exit code 0 after SIGTERM', code);
  });

  if (VERBOSE) handles.forEach((h, i) => console.log(`--- provider #${i + 1} stderr ---\n${h.stderr}`));
  console.log(`PASS: ${passed} checks in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err) => {
  console.error(`FAIL after ${passed} passing checks: ${err.stack ?? err}`);
  handles.forEach((h, i) => console.error(`--- provider #${i + 1} stderr ---\n${h.stderr}`));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  process.exitCode = 1;
});
