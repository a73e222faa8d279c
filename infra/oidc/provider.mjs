#!/usr/bin/env node
// A real OpenID provider on loopback for the local stack and the tests: panva's oidc-provider
// (OpenID-certified) with its development login page, one public client (authorization code + PKCE),
// RS256 keys made at start (in memory) and JWT access tokens for one audience. See README.md.
//
// Prints one JSON line on stdout when it accepts connections:
//   {"issuer":"http://127.0.0.1:PORT","clientId":"…","audience":"…","scope":"openid api"}
// and exits when its stdin closes or its parent process ends.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

// oidc-provider prints notices with console.info; stdout carries only the ready line.
console.info = console.warn;
console.log = console.warn;

const usage = `usage: provider.mjs [--port N] [--client-id ID] [--audience AUD]
       --redirect-uri URI... [--post-logout-redirect-uri URI...] [--access-token-ttl SECONDS]
Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_AUDIENCE, OIDC_REDIRECT_URIS (space-separated),
OIDC_POST_LOGOUT_REDIRECT_URIS, OIDC_ACCESS_TOKEN_TTL (flags win).`;

function fail(message) {
  process.stderr.write(`oidc: ${message}\n${usage}\n`);
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        'client-id': { type: 'string' },
        audience: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        'access-token-ttl': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    fail(err.message);
  }
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const env = process.env;
  const list = (flag, name) => flag ?? (env[name] ?? '').split(/\s+/).filter(Boolean);
  const integer = (text, what, min, max) => {
    const n = Number(text);
    if (!/^\d+$/.test(String(text)) || n < min || n > max) fail(`${what} must be an integer in ${min}..${max}`);
    return n;
  };
  const redirectUris = list(parsed['redirect-uri'], 'OIDC_REDIRECT_URIS');
  if (redirectUris.length === 0) fail('at least one --redirect-uri is required');
  const postLogout = list(parsed['post-logout-redirect-uri'], 'OIDC_POST_LOGOUT_REDIRECT_URIS');
  return {
    port: integer(parsed.port ?? env.OIDC_PORT ?? '0', 'the port', 0, 65535),
    clientId: parsed['client-id'] ?? env.OIDC_CLIENT_ID ?? 'upstream-web',
    audience: parsed.audience ?? env.OIDC_AUDIENCE ?? 'upstream-api',
    redirectUris,
    postLogoutRedirectUris: postLogout.length > 0 ? postLogout : redirectUris,
    accessTokenTtl: integer(parsed['access-token-ttl'] ?? env.OIDC_ACCESS_TOKEN_TTL ?? '600', 'the token lifetime', 1, 86400),
  };
}

/** A fresh RS256 signing key (private JWK), never written anywhere. */
function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomBytes(12).toString('base64url'), use: 'sig', alg: 'RS256' };
}

/** Exits when the parent closes our stdin or ends (then we are re-parented). */
function exitWithParent() {
  if (!process.stdin.isTTY) {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500).unref();
}

const opts = options();
exitWithParent();
// Loaded after the console is redirected and the options are checked.
const { default: Provider, errors } = await import('oidc-provider');

const server = createServer();
server.on('error', (err) => fail(err.message));
await new Promise((resolve) => { server.listen(opts.port, '127.0.0.1', resolve); });
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;
// The resource indicator of the API; the SPA need not send it (defaultResource/useGrantedResource).
const resource = `urn:upstream:${opts.audience}`;
const apiScope = 'api';

const provider = new Provider(issuer, {
  clients: [{
    client_id: opts.clientId,
    application_type: 'web',
    token_endpoint_auth_method: 'none', // public client: PKCE (S256) is required
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: opts.redirectUris,
    post_logout_redirect_uris: opts.postLogoutRedirectUris,
  }],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // Development login: any login and password; the login becomes the subject.
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  // First-party client: the login is the only prompt (no consent page); the grant covers what the
  // client may ask for (the OpenID scope and the API's scope).
  loadExistingGrant: async (ctx) => {
    const { Grant } = ctx.oidc.provider;
    const clientId = ctx.oidc.client.clientId;
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(clientId);
    if (grantId) return Grant.find(grantId);
    const grant = new Grant({ clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid');
    grant.addResourceScope(resource, apiScope);
    await grant.save();
    return grant;
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== resource) throw new errors.InvalidTarget();
        return {
          scope: apiScope,
          audience: opts.audience,
          accessTokenTTL: opts.accessTokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  ttl: {
    IdToken: opts.accessTokenTtl,
    AccessToken: opts.accessTokenTtl,
  },
});
// The library's pages import a web font from Google: strip it, nothing here may leave loopback.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, '');
  }
});
// Static clients are checked on first use: check ours now, so that bad options stop it at start.
try {
  await provider.Client.find(opts.clientId);
} catch (err) {
  fail(`client ${opts.clientId}: ${err.error_description ?? err.message}`);
}
server.on('request', provider.callback());

process.stdout.write(`${JSON.stringify({
  issuer, clientId: opts.clientId, audience: opts.audience, scope: `openid ${apiScope}`,
})}\n`);
