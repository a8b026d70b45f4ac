// A local OpenID Connect provider for the single sign-on tests (npm oidc-provider).
//
//   node oidc_provider.mjs   with PORT, OIDC_CLIENTS and OIDC_USERS in the environment
//
// OIDC_CLIENTS: [{"client_id", "client_secret", "redirect_uris": [...]}]
// OIDC_USERS:   {"<login>": {"email", "email_verified", "groups": [...], "name"}}
// The login page is the package's development one: it signs in whichever listed login is
// typed (the tests are about what the relying party does with the claims).
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const clients = JSON.parse(process.env.OIDC_CLIENTS || "[]");
const users = JSON.parse(process.env.OIDC_USERS || "{}");

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: clients.map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
    ...client,
  })),
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    groups: ["groups"],
  },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...user };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  // Consent is implied: the organization registered this client for its own people.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc provider listening on http://127.0.0.1:${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
