/**
 * The per-client cap of live leases (worker/src/lease-cap-rule.ts): the rule as a pure function, then
 * against a real `wrangler dev`: one client cannot hoard a sweep (the issue: one client leased all 50
 * units in 1.65 s), not even by asking concurrently; a result frees a slot; trust (consecutive valid
 * results) raises the cap and an invalid result resets it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capOverride, leaseCapReached, liveLeaseCap } from "../../worker/src/lease-cap-rule.js";
import { hashOf, submission } from "../support/run-results.js";
import { CAPABILITIES, createSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

describe("the cap rule", () => {
  it("is 2, + 1 per 8 cores up to 2, + 1 with a GPU, + 1 per 10 consecutive valid results up to 4", () => {
    const cap = (cores: number, webgpu: boolean, trust: number) => liveLeaseCap({ cores, webgpu, trust }).limit;
    expect([1, 7, 8, 15, 16, 1024].map((cores) => cap(cores, false, 0))).toEqual([2, 2, 3, 3, 4, 4]);
    expect(cap(1, true, 0)).toBe(3);
    expect([0, 9, 10, 19, 20, 39, 40, 1000].map((trust) => cap(1, false, trust))).toEqual([2, 2, 3, 3, 4, 5, 6, 6]);
    // A new client claiming every capability gets 5; the most anyone gets is 9.
    expect(cap(1024, true, 0)).toBe(5);
    expect(cap(1024, true, 1_000_000)).toBe(9);
  });

  it("says how it was reached", () => {
    expect(liveLeaseCap({ cores: 8, webgpu: false, trust: 0 }).rule).toBe("2 + 1 for 8 cores + 0 for no GPU + 0 for 0 consecutive valid results");
    expect(liveLeaseCap({ cores: 1, webgpu: true, trust: 1 }).rule).toBe("2 + 0 for 1 core + 1 for a GPU + 0 for 1 consecutive valid result");
  });

  it("MAX_LIVE_LEASES replaces it when set; anything but a positive integer is a misconfiguration (500)", () => {
    expect(capOverride(undefined)).toBeNull();
    expect(capOverride("")).toBeNull();
    expect(capOverride("40")).toEqual({ limit: 40, rule: "MAX_LIVE_LEASES, set on this server" });
    for (const bad of ["0", "-1", "2.5", "many"]) {
      expect(() => capOverride(bad)).toThrow(expect.objectContaining({ status: 500, code: "misconfigured", message: `MAX_LIVE_LEASES must be a positive integer, got "${bad}"` }));
    }
  });

  it("at the cap, asks the client to come back when its earliest lease would expire (whole seconds, at least 1)", () => {
    const cap = liveLeaseCap({ cores: 1, webgpu: false, trust: 0 });
    expect(leaseCapReached(cap, 2, 10_000 + 119_001, 10_000).retryAfterSeconds).toBe(120);
    expect(leaseCapReached(cap, 2, 10_000 + 1, 10_000).retryAfterSeconds).toBe(1);
    expect(leaseCapReached(cap, 2, 10_000, 10_000).retryAfterSeconds).toBe(1);
    const { error } = leaseCapReached(cap, 2, 130_000, 10_000);
    expect(error).toMatchObject({ status: 429, code: "lease_cap" });
    expect(error.message).toBe(`this client holds 2 live leases, its cap of 2 (${cap.rule}): report a result, or ask again in 120 s when its earliest lease would expire`);
  });
});

describe("the cap, served", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker();
  }, 90_000);
  afterAll(() => api?.close());

  const seeds = (n: number) => Array.from({ length: n }, (_, i) => i);
  const leaseFrom = (sweep: string, v: Volunteer) => api.request("POST", `/api/leases?sweep=${sweep}`, { token: v.token });
  const submit = (l: { id: string; config: unknown }, v: Volunteer, hash = "A") => api.request("POST", `/api/leases/${l.id}/result`, { token: v.token, body: submission(l.config as never, { paramsHash: hashOf(hash) }) });
  /** Leases from `sweep` until refused; the leases granted and the refusal. */
  async function leaseUntilRefused(sweep: string, v: Volunteer) {
    const granted: { id: string; unitId: string; config: unknown }[] = [];
    for (;;) {
      const response = await leaseFrom(sweep, v);
      if (response.status !== 201) return { granted, refusal: response };
      granted.push(response.body.lease);
    }
  }

  it("one client cannot lease all 50 units of a sweep: 429 lease_cap at its cap, naming it, with Retry-After; others lease the rest", async () => {
    const sweep = await createSweep(api, { seeds: seeds(50), quorum: 1 });
    const [hoarder, ...others] = await registerVolunteers(api, 17);
    const before = Date.now();
    const { granted, refusal } = await leaseUntilRefused(sweep, hoarder);
    expect(granted).toHaveLength(3); // the fixtures' volunteers report 8 cores and no GPU
    expect(refusal.status).toBe(429);
    expect(refusal.body.error.code).toBe("lease_cap");
    expect(refusal.body.error.message).toContain("holds 3 live leases, its cap of 3 (2 + 1 for 8 cores + 0 for no GPU + 0 for 0 consecutive valid results)");
    const response = await fetch(`${api.origin}/api/leases?sweep=${sweep}`, { method: "POST", headers: { authorization: `Bearer ${hoarder.token}` } });
    expect(response.status).toBe(429);
    // The earliest of its leases expires in the heartbeat timeout (120 s) from when it was granted.
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(110);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((before + 120_000 - Date.now()) / 1000) + 1);
    // Everyone else shares the rest: 16 volunteers × 3 = 48 ≥ the 47 units left.
    const rest = await Promise.all(others.map((v) => leaseUntilRefused(sweep, v)));
    expect(rest.reduce((n, r) => n + r.granted.length, 0)).toBe(47);
    expect(Math.max(...rest.map((r) => r.granted.length))).toBeLessThanOrEqual(3);
    const units = await unitsOf(api, sweep);
    expect(units.filter((u) => u.leases.some((l: { clientId: string }) => l.clientId === hoarder.clientId))).toHaveLength(3);
    expect(units.every((u) => u.leases.length === 1)).toBe(true);
  });

  it("holds under a burst: 20 concurrent requests from one client give exactly its cap", async () => {
    const sweep = await createSweep(api, { seeds: seeds(20), quorum: 1 });
    const [v] = await registerVolunteers(api, 1);
    const responses = await Promise.all(Array.from({ length: 20 }, () => leaseFrom(sweep, v)));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 429).every((r) => r.body.error.code === "lease_cap")).toBe(true);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(17);
  });

  it("a result frees its slot", async () => {
    const sweep = await createSweep(api, { seeds: seeds(5), quorum: 1 });
    const [v] = await registerVolunteers(api, 1);
    const { granted } = await leaseUntilRefused(sweep, v);
    expect(granted).toHaveLength(3);
    expect((await submit(granted[0], v)).status).toBe(201);
    expect((await leaseFrom(sweep, v)).status).toBe(201);
    expect((await leaseFrom(sweep, v)).status).toBe(429);
  });

  it("a GPU and many cores raise it, within bounds", async () => {
    const sweep = await createSweep(api, { seeds: seeds(8), quorum: 1 });
    const { body } = await api.request("POST", "/api/clients", { body: { ...CAPABILITIES, cores: 1024, webgpu: true } });
    const { granted, refusal } = await leaseUntilRefused(sweep, body);
    expect(granted).toHaveLength(5);
    expect(refusal.body.error.message).toContain("its cap of 5 (2 + 2 for 1024 cores + 1 for a GPU + 0 for 0 consecutive valid results)");
  });

  it("grows by one with 10 consecutive valid results; an invalid result resets it", async () => {
    const work = await createSweep(api, { name: "trust", seeds: seeds(10), quorum: 1 });
    const pool = await createSweep(api, { name: "pool", seeds: seeds(12), quorum: 1 });
    const [trusted, x, y] = await registerVolunteers(api, 3);
    for (let i = 0; i < 10; i++) {
      const { body } = await leaseFrom(work, trusted);
      expect((await submit(body.lease, trusted)).body.result.status).toBe("valid");
    }
    const atFour = await leaseUntilRefused(pool, trusted);
    expect(atFour.granted).toHaveLength(4);
    expect(atFour.refusal.body.error.message).toContain("its cap of 4 (2 + 1 for 8 cores + 0 for no GPU + 1 for 10 consecutive valid results)");
    for (const l of atFour.granted) await submit(l, trusted);

    // Its next result disagrees with two others that agree: invalid.
    const quorum = await createSweep(api, { name: "quorum", quorum: 2 });
    const odd = (await leaseFrom(quorum, trusted)).body.lease;
    await submit(odd, trusted, "B");
    await submit((await leaseFrom(quorum, x)).body.lease, x, "A");
    const verdict = await submit((await leaseFrom(quorum, y)).body.lease, y, "A");
    expect(verdict.body.result.unit.status).toBe("validated");
    expect((await unitsOf(api, quorum))[0].results.find((r: { clientId: string }) => r.clientId === trusted.clientId).status).toBe("invalid");

    const reset = await leaseUntilRefused(pool, trusted);
    expect(reset.granted).toHaveLength(3);
    expect(reset.refusal.body.error.message).toContain("0 for 0 consecutive valid results");
  });
});
