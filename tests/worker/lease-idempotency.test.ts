/**
 * Idempotent lease requests (worker/src/lease-idempotency.ts) against a real `wrangler dev`, whose
 * cap is MAX_LIVE_LEASES=1 (which also shows the variable reaches the API): the same client and key
 * answer the same live lease (200), never a second one, even at the cap and when the requests race; a
 * key is spent once its lease is completed (the expired case: leases.test.ts); a malformed key is a
 * 400 naming the header. And the crash of the issue: a lease request whose reply is lost is
 * recovered by the volunteer protocol retrying with the same key, leaving no ghost lease.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVolunteerApi } from "../../src/client/volunteer-api.js";
import { runVolunteer } from "../../src/client/volunteer.js";
import { makeRunResult, submission } from "../support/run-results.js";
import { CAPABILITIES, createSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker({ vars: { MAX_LIVE_LEASES: "1" } });
}, 90_000);
afterAll(() => api?.close());

/** POST /api/leases with an Idempotency-Key (null: none). */
async function leaseWithKey(sweep: string, v: Volunteer, key: string | null) {
  const headers: Record<string, string> = { authorization: `Bearer ${v.token}` };
  if (key !== null) headers["idempotency-key"] = key;
  const response = await fetch(`${api.origin}/api/leases?sweep=${sweep}`, { method: "POST", headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, retryAfter: response.headers.get("retry-after") };
}

describe("Idempotency-Key on POST /api/leases", () => {
  it("the same key answers the same live lease (200), never a second one, even at the cap", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1, 2], quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const first = await leaseWithKey(sweep, a, "k-1");
    expect(first.status).toBe(201);
    const again = await leaseWithKey(sweep, a, "k-1");
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Another attempt is over the cap (MAX_LIVE_LEASES=1 here, where the rule would give 3)…
    const other = await leaseWithKey(sweep, a, "k-2");
    expect(other.status).toBe(429);
    expect(other.body.error.message).toContain("its cap of 1 (MAX_LIVE_LEASES, set on this server)");
    expect(Number(other.retryAfter)).toBeGreaterThan(100);
    // …and so is a request without a key; the key's retry still gets its lease.
    expect((await leaseWithKey(sweep, a, null)).status).toBe(429);
    expect((await leaseWithKey(sweep, a, "k-1")).body).toEqual(first.body);
    expect((await unitsOf(api, sweep)).map((u) => u.leases.length)).toEqual([1, 0, 0]);
  });

  it("racing requests with one key lease once", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1, 2], quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const responses = await Promise.all(Array.from({ length: 8 }, () => leaseWithKey(sweep, a, "same")));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.lease.id)).size).toBe(1);
    expect((await unitsOf(api, sweep)).flatMap((u) => u.leases)).toHaveLength(1);
  });

  it("keys are per client: another client's same key is its own attempt", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1], quorum: 1 });
    const [a, b] = await registerVolunteers(api, 2);
    const leaseA = await leaseWithKey(sweep, a, "shared");
    const leaseB = await leaseWithKey(sweep, b, "shared");
    expect([leaseA.status, leaseB.status]).toEqual([201, 201]);
    expect(leaseB.body.lease.unitId).not.toBe(leaseA.body.lease.unitId);
  });

  it("a key whose lease was completed is spent: 409, nothing leased", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1], quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const { body } = await leaseWithKey(sweep, a, "done");
    expect((await api.request("POST", `/api/leases/${body.lease.id}/result`, { token: a.token, body: submission(body.lease.config) })).status).toBe(201);
    const again = await leaseWithKey(sweep, a, "done");
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({ code: "idempotency_key_spent", message: `Idempotency-Key "done" named lease "${body.lease.id}", now completed: send a fresh key to ask for another unit` });
    expect((await unitsOf(api, sweep)).map((u) => u.leases.length)).toEqual([1, 0]);
  });

  it("a malformed key is a 400 naming the header, nothing leased", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    for (const key of ["has space", "x".repeat(101), "naïve", "a.b"]) {
      const { status, body } = await leaseWithKey(sweep, a, key);
      expect(status).toBe(400);
      expect(body.error.code).toBe("invalid_header");
      expect(body.error.issues).toEqual([{ path: "Idempotency-Key", message: expect.stringMatching(/^expected 1 to 100 characters of A-Z, a-z, 0-9, _ and -, got "/) }]);
    }
    expect((await leaseWithKey(sweep, a, "x".repeat(100))).status).toBe(201);
  });
});

describe("a lease reply lost on the way (the issue's crash)", () => {
  it("is recovered by the protocol's retry with the same key: one lease, trained and reported, no ghost", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    // The first lease request reaches the API, which leases; its reply never reaches the volunteer.
    const keys: (string | null)[] = [];
    let lost = 0;
    const lossyFetch = (async (url: string, init: RequestInit) => {
      const response = await fetch(url, init);
      if (url.includes("/api/leases?")) {
        keys.push(new Headers(init.headers).get("idempotency-key"));
        if (lost++ === 0) throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
      }
      return response;
    }) as typeof fetch;
    let stored: { clientId: string; token: string } | null = null;
    const report = await runVolunteer({
      api: createVolunteerApi(api.origin, lossyFetch),
      host: {
        capabilities: () => CAPABILITIES,
        identity: { load: () => stored, save: (client) => void (stored = client) },
        backends: () => ["wasm-simd"],
        train: async (config) => makeRunResult(config),
      },
      sweep,
      maxUnits: 1,
      timing: { retryBaseMs: 1, retryMaxMs: 2 },
    });
    expect(report).toMatchObject({ units: 1, verdicts: { valid: 1 } });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.leases).toEqual([expect.objectContaining({ clientId: stored!.clientId, status: "completed" })]);
    expect(unit.results).toHaveLength(1);
  });
});
