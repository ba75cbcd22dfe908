// A real OpenID Provider for the tests (npm oidc-provider, a certified
// implementation), on loopback.  node provider.mjs config.json, where the
// file gives the port, caseflow's redirect URI and the signing keys (so a test
// can also make tokens the provider would have signed).  Any login name signs
// in as that account; its e-mail is <login>@example.org.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: config.jwks,
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    async claims() {
      return { sub: id, email: `${id}@example.org`, email_verified: true, name: id };
    },
  }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['caseflow-test-provider'] },
  ttl: { IdToken: 3600, AccessToken: 3600 },
});
provider.proxy = false;
provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
