// A real OpenID provider (panva's oidc-provider, OpenID-certified) for tests/test_oidc.py, on loopback only.
//   node provider.mjs <port> <client_id> <client_secret> <redirect_uri>
// Accounts: any login works at the development login form (any password); "eva" and "sam" have
// names and groups (a list, and a space-separated string). The groups claim comes with the
// "profile" scope, in userinfo (the provider's default keeps ID tokens to what the protocol needs).
// GET /__mode?forge=1 publishes a JWKS with another key under the signing key's id (ID tokens then
// fail their signature check); ?expired=1 issues ID tokens that expired an hour ago; ?forge=0&expired=0 resets.
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!redirectUri) {
  console.error('usage: node provider.mjs <port> <client_id> <client_secret> <redirect_uri>');
  process.exit(2);
}

const ACCOUNTS = {
  eva: { name: 'Éva Editor', groups: ['staff', 'editors'] },
  sam: { name: 'Sam Staff', groups: 'staff partners' },
};

function rsaJwk(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    private: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    public: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

const signing = rsaJwk('test-signing-key');
const impostor = rsaJwk('test-signing-key'); // same key id, another key
const mode = { forge: false, expired: false };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signing.private] },
  cookies: { keys: ['test-only-cookie-key-not-secret'] },
  claims: { openid: ['sub'], profile: ['name', 'groups'] },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] ?? { name: id, groups: [] };
    return { accountId: id, async claims() { return { sub: id, name: account.name, groups: account.groups }; } };
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__mode') {
    for (const key of Object.keys(mode)) {
      if (ctx.query[key] !== undefined) mode[key] = ctx.query[key] === '1';
    }
    ctx.body = mode;
    return;
  }
  if (ctx.path === '/jwks' && mode.forge) {
    ctx.body = { keys: [impostor.public] };
    return;
  }
  if (ctx.path === '/token' && mode.expired) {
    const realNow = Date.now;
    Date.now = () => realNow() - 2 * 3600 * 1000; // issued two hours ago, so expired an hour ago (TTL 1 h)
    try {
      await next();
    } finally {
      Date.now = realNow;
    }
    return;
  }
  await next();
});

provider.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${port}`));
