// A real OpenID provider for meshdeck's tests: the npm package
// `oidc-provider` (OpenID-certified) with its built-in login page
// (devInteractions) and two people in different groups:
//   alice  in mesh-operators
//   bob    in mesh-officers
// Options (each also an environment variable OIDC_<NAME>):
//   --port N            listen on 127.0.0.1:N (0: any free port)
//   --client-id ID      the relying party (meshdeck)
//   --client-secret S
//   --redirect-uri URL  where it may send people back (repeatable, or comma-separated)
//   --post-logout-uri URL  where it may send people after sign-out (optional)
//   --id-token-ttl S    ID token lifetime in seconds (default 3600)
//   --fault KIND[=VALUE]  tamper with the ID tokens the token endpoint issues (tests of
//                       refusals): issuer=URL, audience=ID or nonce=VALUE, re-signed with
//                       this provider's key; or signature: signed with another key
// Prints `ready <issuer>` on stdout once it listens.

import crypto from 'node:crypto';
import http from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

function options() {
  const out = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 1) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${args[i]}`);
    const key = flag.slice(2);
    const value = inline ?? args[(i += 1)];
    out[key] = out[key] ? `${out[key]},${value}` : value;
  }
  const get = (key, fallback) => out[key]
    ?? process.env[`OIDC_${key.toUpperCase().replaceAll('-', '_')}`] ?? fallback;
  const required = (key) => {
    const value = get(key);
    if (!value) throw new Error(`provider.mjs needs --${key}`);
    return value;
  };
  return {
    port: Number(get('port', '0')),
    clientId: required('client-id'),
    clientSecret: required('client-secret'),
    redirectUris: required('redirect-uri').split(','),
    postLogoutUris: (get('post-logout-uri', '') || '').split(',').filter(Boolean),
    idTokenTtl: Number(get('id-token-ttl', '3600')),
    fault: get('fault', ''),
  };
}

const PEOPLE = {
  alice: { name: 'Alice Operator', email: 'alice@example.test', groups: ['staff', 'mesh-operators'] },
  bob: { name: 'Bob Officer', email: 'bob@example.test', groups: ['staff', 'mesh-officers'] },
};

const SCOPE = 'openid profile email groups';

const b64url = (value) => Buffer.from(value).toString('base64url');

/** Signs `payload` as an RS256 JWT with `key` (a node KeyObject). */
function sign(header, payload, key) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

async function main() {
  const opts = options();
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'meshdeck-test', use: 'sig', alg: 'RS256' };

  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve) => { server.listen(opts.port, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      redirect_uris: opts.redirectUris,
      post_logout_redirect_uris: opts.postLogoutUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      groups: ['groups'],
    },
    // The groups claim in the ID token itself, not only at userinfo.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    ttl: {
      IdToken: opts.idTokenTtl, AccessToken: 3600, Interaction: 600, Grant: 3600, Session: 3600,
    },
    async findAccount(_ctx, id) {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, preferred_username: id, ...person };
        },
      };
    },
    // meshdeck is a first-party client: consent is given, not asked.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(SCOPE);
      await grant.save();
      return grant;
    },
  });

  if (opts.fault) {
    const [kind, value] = opts.fault.split(/=(.*)/s, 2);
    const claim = { issuer: 'iss', audience: 'aud', nonce: 'nonce' }[kind];
    if (!(claim && value) && kind !== 'signature') {
      throw new Error(`--fault ${opts.fault}: expected issuer=URL, audience=ID, nonce=VALUE or signature`);
    }
    // `signature`: signed by a key the provider never published.
    const signer = kind === 'signature'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : privateKey;
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
        const [header, payload] = ctx.body.id_token.split('.').slice(0, 2)
          .map((part) => JSON.parse(Buffer.from(part, 'base64url')));
        if (claim) payload[claim] = value;
        ctx.body = { ...ctx.body, id_token: sign(header, payload, signer) };
      }
    });
  }

  handler = provider.callback();
  process.stdout.write(`ready ${issuer}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The test that started it holds stdin: when the test ends, so does this.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`provider.mjs: ${err.stack || err}\n`);
  process.exit(1);
});
