/**
 * Client tokens (v1.<clientId>.<expiresAtMs>.<HMAC>, expiry, refresh with a grace window, key
 * rotation) and the admin token, on a real `wrangler dev`; the secrets' checks (placeholder, length)
 * both as a function and on servers started with refused secrets, among them .dev.vars.example's.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../bench/support/wrangler-dev.js";
import { MIN_SECRET_BYTES, requireSecret } from "../../worker/src/auth-secrets.js";
import { CAPABILITIES } from "../support/sweep-fixtures.js";
import { startWorker, TEST_ADMIN_TOKEN, TEST_TOKEN_SECRET, type WorkerServer } from "../support/worker-server.js";

const DAY_MS = 24 * 3600 * 1000;
const PREVIOUS_SECRET = "the-key-before-the-rotation-of-32-bytes";

/** A token as the server signs it, for any id, expiry and key. */
function signToken(clientId: string, expiresAt: number, secret = TEST_TOKEN_SECRET): string {
  const payload = `v1.${clientId}.${expiresAt}`;
  return `${payload}.${createHmac("sha256", secret).update(payload).digest("hex")}`;
}

/** .dev.vars.example's values, by name. */
function exampleSecrets(): Record<string, string> {
  const text = readFileSync(join(ROOT, ".dev.vars.example"), "utf8");
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(.*)$/gm)].map(([, name, value]) => [name, value]));
}

describe("requireSecret", () => {
  it("accepts 32 bytes or more that are not a placeholder", () => {
    expect(requireSecret("a".repeat(MIN_SECRET_BYTES), "TOKEN_SECRET")).toBe("a".repeat(32));
    // Bytes, not characters: 16 two-byte characters are 32 bytes.
    expect(requireSecret("é".repeat(16), "TOKEN_SECRET")).toBe("é".repeat(16));
  });

  it("refuses a missing, short or placeholder secret, naming it and saying why", () => {
    expect(() => requireSecret(undefined, "ADMIN_TOKEN")).toThrow(/^the server has no ADMIN_TOKEN configured: set ADMIN_TOKEN to at least 32 random bytes/);
    expect(() => requireSecret("", "ADMIN_TOKEN")).toThrow(/no ADMIN_TOKEN configured/);
    expect(() => requireSecret("a".repeat(31), "ADMIN_TOKEN")).toThrow(/^ADMIN_TOKEN is 31 bytes, shorter than the 32 required/);
    expect(() => requireSecret(`${"é".repeat(15)}a`, "TOKEN_SECRET")).toThrow(/^TOKEN_SECRET is 31 bytes/);
    expect(() => requireSecret(`a-long-enough-value-but-CHANGE-ME-${"x".repeat(40)}`, "TOKEN_SECRET")).toThrow(/^TOKEN_SECRET is still a placeholder \(it contains "change-me"\)/);
    const example = exampleSecrets();
    expect(Object.keys(example)).toEqual(["TOKEN_SECRET", "ADMIN_TOKEN"]);
    for (const [name, value] of Object.entries(example)) expect(() => requireSecret(value, name), name).toThrow(new RegExp(`^${name} is still a placeholder`));
  });
});

describe("client tokens", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    // Mid-rotation: TOKEN_SECRET signs, the previous key still verifies.
    api = await startWorker({ vars: { TOKEN_SECRET_PREVIOUS: PREVIOUS_SECRET } });
  }, 90_000);
  afterAll(() => api?.close());

  const register = async () => {
    const { status, body } = await api.request("POST", "/api/clients", { body: CAPABILITIES });
    expect(status).toBe(201);
    return body as { clientId: string; token: string; expiresAt: number };
  };
  const myResults = (token: string) => api.request("GET", "/api/clients/me/results", { token });
  const refresh = (token: string) => api.request("POST", "/api/clients/me/token", { token });

  it("are signed with TOKEN_SECRET and expire in 30 days, as the registration says", async () => {
    const before = Date.now();
    const client = await register();
    expect(client.expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(client.expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    expect(client.token).toBe(signToken(client.clientId, client.expiresAt));
    expect((await myResults(client.token)).status).toBe(200);
  });

  it("refuses an expired token with token_expired; the refresh route exchanges it for a fresh one", async () => {
    const { clientId } = await register();
    const expired = signToken(clientId, Date.now() - 1000);
    for (const reply of [await myResults(expired), await api.request("POST", "/api/leases", { token: expired })]) {
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe("token_expired");
      expect(reply.body.error.message).toMatch(/^the client token expired at \d{4}-\d\d-\d\dT[\d:.]+Z: get a fresh one from POST \/api\/clients\/me\/token/);
    }
    const before = Date.now();
    const fresh = await refresh(expired);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ clientId, token: signToken(clientId, fresh.body.expiresAt), expiresAt: expect.any(Number) });
    expect(fresh.body.expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect((await myResults(fresh.body.token)).status).toBe(200);
    // A token still valid refreshes too.
    expect((await refresh(fresh.body.token)).status).toBe(200);
  });

  it("refreshes up to 30 days after expiry, then says token_expired_for_good", async () => {
    const { clientId } = await register();
    expect((await refresh(signToken(clientId, Date.now() - 29 * DAY_MS))).status).toBe(200);
    const lapsed = signToken(clientId, Date.now() - 31 * DAY_MS);
    const refused = await refresh(lapsed);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("token_expired_for_good");
    expect(refused.body.error.message).toMatch(/more than 30 days ago: register again \(POST \/api\/clients\)/);
    // Elsewhere it is simply expired (the protocol's cue to try the refresh).
    expect((await myResults(lapsed)).body.error.code).toBe("token_expired");
  });

  it("accepts a token signed with TOKEN_SECRET_PREVIOUS, and refreshes it into one signed with TOKEN_SECRET", async () => {
    const { clientId, expiresAt } = await register();
    const old = signToken(clientId, expiresAt, PREVIOUS_SECRET);
    expect((await myResults(old)).status).toBe(200);
    const fresh = await refresh(old);
    expect(fresh.status).toBe(200);
    expect(fresh.body.token).toBe(signToken(clientId, fresh.body.expiresAt, TEST_TOKEN_SECRET));
  });

  it("refuses forged, tampered, malformed and old-format tokens (401 bad_client_token) and unknown clients (401 unknown_client)", async () => {
    const { clientId, token, expiresAt } = await register();
    const forged = [
      signToken(clientId, expiresAt, "some-other-key-that-is-32-bytes-long"),
      // A later expiry under the old signature.
      token.replace(`.${expiresAt}.`, `.${expiresAt + DAY_MS}.`),
      // Another client's id under this one's signature.
      token.replace(clientId, randomUUID()),
    ];
    for (const bad of forged) {
      for (const reply of [await myResults(bad), await refresh(bad)]) {
        expect(reply.status).toBe(401);
        expect(reply.body.error).toEqual({ code: "bad_client_token", message: "the client token's signature does not match" });
      }
    }
    const oldFormat = `${clientId}.${createHmac("sha256", TEST_TOKEN_SECRET).update(clientId).digest("hex")}`;
    for (const malformed of [oldFormat, `v2.${clientId}.${expiresAt}.${token.slice(-64)}`, `${token}0`, token.toUpperCase(), "garbage"]) {
      const reply = await myResults(malformed);
      expect(reply.status, malformed).toBe(401);
      expect(reply.body.error.code).toBe("bad_client_token");
      expect(reply.body.error.message).toContain("expected v1.<clientId>.<expiresAtMs>.<64 hex digits of HMAC-SHA256> from POST /api/clients");
    }
    const stranger = signToken(randomUUID(), Date.now() + DAY_MS);
    for (const reply of [await myResults(stranger), await refresh(stranger)]) {
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe("unknown_client");
    }
    expect((await api.request("POST", "/api/clients/me/token")).body.error.code).toBe("missing_client_token");
  });

  it("admits the admin token and nothing else: not a prefix, an extension or a same-length guess", async () => {
    const create = (token?: string) => api.request("POST", "/api/sweeps", { token, body: {} });
    // Past the admin check, refused by the body's validation.
    expect((await create(TEST_ADMIN_TOKEN)).status).toBe(400);
    const wrong = [TEST_ADMIN_TOKEN.slice(0, -1), `${TEST_ADMIN_TOKEN}x`, `${TEST_ADMIN_TOKEN.slice(0, -1)}X`, "x", "x".repeat(1000)];
    for (const token of wrong) {
      const reply = await create(token);
      expect(reply.status, token).toBe(403);
      expect(reply.body.error.code).toBe("bad_admin_token");
    }
    expect((await create()).body.error.code).toBe("missing_admin_token");
  });
});

describe("a server with refused secrets", () => {
  let placeholders: WorkerServer;
  let short: WorkerServer;
  beforeAll(async () => {
    [placeholders, short] = await Promise.all([
      // A copied .dev.vars.example, as is.
      startWorker({ vars: exampleSecrets() }),
      startWorker({ vars: { ADMIN_TOKEN: "a".repeat(31), TOKEN_SECRET_PREVIOUS: "short-previous-key", TOKEN_DAYS: "0.5" } }),
    ]);
  }, 120_000);
  afterAll(() => Promise.all([placeholders?.close(), short?.close()]));

  const expectMisconfigured = (reply: { status: number; body: any }, message: RegExp) => {
    expect(reply.status).toBe(500);
    expect(reply.body.error.code).toBe("misconfigured");
    expect(reply.body.error.message).toMatch(message);
  };

  it("refuses .dev.vars.example's placeholders (500 misconfigured, naming the variable), storing nothing", async () => {
    expectMisconfigured(await placeholders.request("POST", "/api/sweeps", { token: exampleSecrets().ADMIN_TOKEN, body: {} }), /^ADMIN_TOKEN is still a placeholder/);
    expectMisconfigured(await placeholders.request("POST", "/api/clients", { body: CAPABILITIES }), /^TOKEN_SECRET is still a placeholder .*openssl rand -hex 32/);
    expect((await placeholders.request("GET", "/api/stats")).body.volunteersActive).toBe(0);
  });

  it("refuses a secret shorter than 32 bytes, and TOKEN_SECRET_PREVIOUS by the same rules", async () => {
    expectMisconfigured(await short.request("POST", "/api/sweeps", { token: "a".repeat(31), body: {} }), /^ADMIN_TOKEN is 31 bytes, shorter than the 32 required/);
    // Registration only signs (TOKEN_SECRET), with TOKEN_DAYS' lifetime; verifying needs the previous key too.
    const before = Date.now();
    const { status, body } = await short.request("POST", "/api/clients", { body: CAPABILITIES });
    expect(status).toBe(201);
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + DAY_MS / 2);
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + DAY_MS / 2);
    expectMisconfigured(await short.request("GET", "/api/clients/me/results", { token: body.token }), /^TOKEN_SECRET_PREVIOUS is 18 bytes/);
  });
});
