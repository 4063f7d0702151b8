// Test-only OpenID Connect provider for Charter's Rust test suite.
//
// This is the real `oidc-provider` (panva) configured so that a non-JavaScript
// HTTP client that follows redirects can complete sign-in and sign-out, plus a
// small JSON control API under /test/. See README.md for the contract.
// Never expose this outside loopback: every email address is a valid account.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import Provider, { errors, interactionPolicy } from 'oidc-provider';

// stdout is reserved for the single JSON "ready" line the parent test parses;
// oidc-provider prints notices with console.info, so send all console output to stderr.
for (const name of ['log', 'info', 'debug']) console[name] = (...args) => console.error(...args);

const env = process.env;
const PORT = Number(env.OIDC_PORT ?? 0);
const AUDIENCE = env.OIDC_API_AUDIENCE || 'charter-api';
const AT_TTL = Number(env.OIDC_ACCESS_TOKEN_TTL || 300);
const ID_TTL = Number(env.OIDC_ID_TOKEN_TTL || 300);
const DEFAULT_LOGIN = env.OIDC_DEFAULT_LOGIN || undefined;
// Resource indicators must be absolute URIs; a bare audience such as "charter-api" is not one.
const RESOURCE = URL.canParse(AUDIENCE) ? AUDIENCE : `urn:${AUDIENCE}`;
const SCOPES = ['openid', 'offline_access', 'email', 'profile', 'groups'];
// Cookie signing keys must outlive Provider rebuilds, or sessions would be lost on key rotation.
const COOKIE_KEYS = [crypto.randomBytes(32).toString('base64url')];

// ---------------------------------------------------------------------------
// Storage shared by every Provider instance we build (we rebuild on key
// rotation). oidc-provider's default memory adapter is per instance and an LRU
// capped at 1000 entries, so it would lose clients/sessions mid-suite.
// Payloads are cloned in and out, like a real database would behave.
const store = new Map(); // "Model:id" -> { value, expiresAt }
const grantMembers = new Map(); // grantId -> Set of "Model:id" keys to revoke together
// Only tokens die with their grant (Interactions also carry a grantId but must survive).
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

function storeGet(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}
function storeSet(key, value, expiresIn) {
  store.set(key, { value: structuredClone(value), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
}

class SharedMemoryAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) {
    storeSet(this.key(id), payload, expiresIn);
    if (this.model === 'Session') storeSet(`SessionUid:${payload.uid}`, id, expiresIn);
    if (payload.userCode) storeSet(`UserCode:${payload.userCode}`, id, expiresIn);
    if (payload.grantId && GRANTABLE.has(this.model)) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(this.key(id));
    }
  }
  async find(id) { const value = storeGet(this.key(id)); return value && structuredClone(value); }
  async findByUid(uid) { const id = storeGet(`SessionUid:${uid}`); return id && this.find(id); }
  async findByUserCode(code) { const id = storeGet(`UserCode:${code}`); return id && this.find(id); }
  async consume(id) { const value = storeGet(this.key(id)); if (value) value.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

// ---------------------------------------------------------------------------
// Accounts: every email is an account; PUT /test/users/:email overrides fields.
const overrides = new Map(); // normalized email -> partial account
const emailBySub = new Map(); // every sub we have handed out -> email

const normalizeEmail = (email) => String(email).trim().toLowerCase();
const derivedSub = (email) => `user-${crypto.createHash('sha256').update(email).digest('hex').slice(0, 16)}`;

function accountFor(rawEmail) {
  const email = normalizeEmail(rawEmail);
  const o = overrides.get(email) ?? {};
  const account = {
    sub: o.sub ?? derivedSub(email),
    email,
    email_verified: o.email_verified ?? true,
    name: o.name ?? email.split('@')[0],
    groups: o.groups ?? [],
  };
  emailBySub.set(account.sub, email);
  return account;
}

// Resolve a sub to the account's *current* data (groups may change mid-test).
function accountBySub(sub) {
  const email = emailBySub.get(sub);
  if (email === undefined) return undefined;
  const account = accountFor(email);
  return account.sub === sub ? account : undefined; // sub was overridden since: old sub is gone
}

const isDenyHint = (hint) => normalizeEmail(hint).split('@')[0] === 'deny';

// ---------------------------------------------------------------------------
// Signing keys. All keys ever generated stay mintable by kid; `published` is
// what goes into the Provider's JWKS, current signing key first (oidc-provider
// signs with the first matching key).
const allKeys = new Map(); // kid -> private JWK
let published = [];

function generateKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = crypto.createHash('sha256').update(jwk.n).digest('base64url').slice(0, 16);
  const full = { ...jwk, kid, alg: 'RS256', use: 'sig' };
  allKeys.set(kid, full);
  return full;
}

// ---------------------------------------------------------------------------
// Provider configuration.

// A login_hint naming someone other than the signed-in account forces a fresh
// login, so one cookie jar can sign in as several users (and deny@ always fails).
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'login_hint_other_account',
  'login_hint names a different account than the current session',
  (ctx) => {
    const { params, session, result } = ctx.oidc;
    if (!params.login_hint || !session.accountId || result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    if (isDenyHint(params.login_hint)) return interactionPolicy.Check.REQUEST_PROMPT;
    return accountFor(params.login_hint).sub === session.accountId
      ? interactionPolicy.Check.NO_NEED_TO_PROMPT
      : interactionPolicy.Check.REQUEST_PROMPT;
  },
));

const confirmLogoutUrl = (secret) => `/session/end/confirm?${new URLSearchParams({ xsrf: secret, logout: 'yes' })}`;

function configuration() {
  return {
    adapter: SharedMemoryAdapter,
    jwks: { keys: published },
    findAccount(ctx, sub) {
      const account = accountBySub(sub);
      return account && { accountId: sub, claims: async () => ({ ...account }) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
      groups: ['groups'],
    },
    scopes: SCOPES,
    // Default true would strip scope claims from ID tokens issued with an access token.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Like Keycloak's default access tokens: who, whether the email is
    // verified, and the groups, so an API can act on the token alone.
    async extraTokenClaims(ctx, token) {
      const account = token.accountId && accountBySub(token.accountId);
      return account
        ? { email: account.email, email_verified: account.email_verified, groups: account.groups }
        : undefined;
    },
    cookies: { keys: COOKIE_KEYS },
    interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Every token request gets a JWT for the API unless it names a resource itself.
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, indicator) {
          if (indicator !== RESOURCE) throw new errors.InvalidTarget(`unknown resource; use ${RESOURCE}`);
          return {
            scope: SCOPES.join(' '),
            audience: AUDIENCE,
            accessTokenTTL: AT_TTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // Instead of a "Do you want to sign out?" page, send the browser on to
        // GET /session/end/confirm, which the outer server replays as the POST.
        async logoutSource(ctx) {
          ctx.status = 303;
          ctx.redirect(confirmLogoutUrl(ctx.oidc.session.state.secret));
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'json';
          ctx.body = { signed_out: true, client_id: ctx.oidc.client?.clientId };
        },
      },
    },
    ttl: {
      AccessToken: AT_TTL,
      ClientCredentials: AT_TTL,
      IdToken: ID_TTL,
      AuthorizationCode: 60,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    // Errors that cannot be redirected to a client: JSON is easier to assert on than HTML.
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

let issuer;
let provider;
let providerHandler;

function buildProvider() {
  const next = new Provider(issuer, configuration());
  // Two places answer a GET with oidc-provider's hard-coded auto-submitting
  // logout form, which logoutSource does not cover: end_session without a
  // provider session, and resuming an authorization after a login as a
  // *different* account (it ends the old session first). Turn that form into
  // the same redirect so non-JS clients get through.
  next.use(async (ctx, nextMiddleware) => {
    await nextMiddleware();
    if (ctx.method !== 'GET' || ctx.status !== 200 || typeof ctx.body !== 'string') return;
    const secret = ctx.oidc?.session?.state?.secret;
    if (secret && ctx.body.includes(`action="${ctx.oidc.urlFor('end_session_confirm')}"`)) {
      ctx.status = 303;
      ctx.redirect(confirmLogoutUrl(secret));
    }
  });
  next.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));
  provider = next;
  providerHandler = next.callback();
}

// ---------------------------------------------------------------------------
// Interactions: no pages; login and consent are answered immediately.
async function handleInteraction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    const hint = params.login_hint ?? DEFAULT_LOGIN;
    if (!hint || isDenyHint(hint)) {
      const error_description = hint ? 'sign-in denied (deny@ login_hint)' : 'no login_hint and no OIDC_DEFAULT_LOGIN';
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description }, { mergeWithLastSubmission: false });
    }
    const { sub } = accountFor(hint);
    return provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
  }

  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  sendJson(res, 400, { error: 'unsupported_prompt', prompt: prompt.name });
}

// oidc-provider only accepts the logout confirmation as a form POST (it carries
// an xsrf value bound to the session). Replay this GET as that POST against
// ourselves and relay the answer (303 to post_logout_redirect_uri + cookie clearing).
function replayLogoutConfirm(req, res, url) {
  const body = url.searchParams.toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) };
  if (req.headers.cookie) headers.cookie = req.headers.cookie;
  const inner = http.request({ host: '127.0.0.1', port: server.address().port, method: 'POST', path: url.pathname, headers }, (answer) => {
    const relayed = {};
    for (const name of ['location', 'set-cookie', 'content-type', 'cache-control', 'pragma']) {
      if (answer.headers[name] !== undefined) relayed[name] = answer.headers[name];
    }
    res.writeHead(answer.statusCode, relayed);
    answer.pipe(res);
  });
  inner.on('error', (err) => sendJson(res, 502, { error: 'logout_replay_failed', message: err.message }));
  inner.end(body);
}

// ---------------------------------------------------------------------------
// Test control API.
function sendJson(res, status, value) {
  if (res.headersSent) return res.end();
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (!text.trim()) return {};
  try { return JSON.parse(text); } catch { throw new HttpError(400, 'body is not valid JSON'); }
}

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signJwt(header, payload, jwk) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

async function handleTestApi(req, res, url) {
  const route = `${req.method} ${url.pathname}`;

  if (route === 'GET /test/health') return sendJson(res, 200, { ok: true });

  const user = url.pathname.match(/^\/test\/users\/([^/]+)$/);
  if (user && (req.method === 'PUT' || req.method === 'GET')) {
    const email = normalizeEmail(decodeURIComponent(user[1]));
    if (req.method === 'PUT') {
      const body = await readJson(req);
      const o = { ...overrides.get(email) };
      if (body.groups !== undefined) {
        if (!Array.isArray(body.groups) || !body.groups.every((g) => typeof g === 'string')) throw new HttpError(400, 'groups must be an array of strings');
        o.groups = body.groups;
      }
      if (body.email_verified !== undefined) o.email_verified = Boolean(body.email_verified);
      if (body.name !== undefined) o.name = String(body.name);
      if (body.sub !== undefined) o.sub = String(body.sub);
      overrides.set(email, o);
    }
    return sendJson(res, 200, accountFor(email));
  }

  if (route === 'POST /test/clients') {
    const body = await readJson(req);
    if (!body.client_id) throw new HttpError(400, 'client_id is required');
    const grantTypes = body.grant_types ?? ['authorization_code', 'refresh_token'];
    const interactive = grantTypes.includes('authorization_code');
    const metadata = {
      client_id: String(body.client_id),
      ...(body.client_secret ? { client_secret: String(body.client_secret) } : {}),
      token_endpoint_auth_method: body.token_endpoint_auth_method
        ?? (body.client_secret ? 'client_secret_basic' : 'none'),
      grant_types: grantTypes,
      response_types: interactive ? ['code'] : [],
      redirect_uris: body.redirect_uris ?? [],
      post_logout_redirect_uris: body.post_logout_redirect_uris ?? [],
    };
    // Clients live in the shared store (oidc-provider looks up unknown client_ids
    // in its adapter), so they can be added or replaced without a rebuild.
    try {
      await provider.Client.validate(metadata);
    } catch (err) {
      throw new HttpError(400, `${err.message}${err.error_description ? `: ${err.error_description}` : ''}`);
    }
    await new SharedMemoryAdapter('Client').upsert(metadata.client_id, metadata);
    return sendJson(res, 201, metadata);
  }

  if (route === 'POST /test/rotate') {
    const body = await readJson(req);
    const key = generateKey();
    published = body.retire_previous ? [key] : [key, ...published];
    buildProvider();
    return sendJson(res, 200, { kid: key.kid, jwks_kids: published.map((k) => k.kid) });
  }

  if (route === 'GET /test/signing-key') return sendJson(res, 200, published[0]);

  if (route === 'POST /test/mint') {
    const body = await readJson(req);
    const jwk = body.kid ? allKeys.get(body.kid) : published[0];
    if (!jwk) throw new HttpError(404, `unknown kid ${body.kid}`);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, aud: AUDIENCE, iat: now, exp: now + 300, ...(body.sub !== undefined ? { sub: body.sub } : {}), ...body.claims };
    if (!('sub' in claims)) throw new HttpError(400, 'sub is required (in claims, or top-level)');
    // A claim given as null is left out, so tests can mint tokens missing e.g. exp.
    for (const [name, value] of Object.entries(claims)) if (value === null) delete claims[name];
    const header = { alg: 'RS256', typ: 'at+jwt', kid: jwk.kid, ...body.header };
    return sendJson(res, 200, { token: signJwt(header, claims, jwk) });
  }

  throw new HttpError(404, `no test route ${route}`);
}

// ---------------------------------------------------------------------------
// HTTP server: stable across Provider rebuilds.
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    if (url.pathname.startsWith('/test/')) return await handleTestApi(req, res, url);
    if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) return await handleInteraction(req, res);
    if (req.method === 'GET' && url.pathname === '/session/end/confirm') return replayLogoutConfirm(req, res, url);
    return providerHandler(req, res);
  } catch (err) {
    if (!(err instanceof HttpError)) console.error('harness error:', err);
    return sendJson(res, err.status ?? err.statusCode ?? 500, { error: err.error ?? 'harness_error', error_description: err.error_description ?? err.message });
  }
});

function shutdown(reason) {
  console.error(`oidc test provider: ${reason}, exiting`);
  server.closeAllConnections();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
// The parent test process holds our stdin; when it dies (or closes it) we go too.
process.stdin.on('end', () => shutdown('stdin reached EOF'));
process.stdin.on('error', () => shutdown('stdin error'));
process.stdin.resume();

server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  published = [generateKey()];
  buildProvider();
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});
