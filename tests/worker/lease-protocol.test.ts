/**
 * The volunteer protocol (src/client/volunteer.ts) against a real `wrangler dev` with a 2 s heartbeat
 * timeout: its heartbeat keeps a lease alive through an evaluation gap longer than the timeout (and
 * without it the unit is reissued); it refreshes an expired token and goes on as the same client; at
 * the lease cap it waits the Retry-After the API names.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiFailure, createVolunteerApi } from "../../src/client/volunteer-api.js";
import { runVolunteer, type StoredClient, type VolunteerHost } from "../../src/client/volunteer.js";
import type { Progress } from "../../src/index.js";
import { makeRunResult, submission } from "../support/run-results.js";
import { CAPABILITIES, createSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, TEST_TOKEN_SECRET, type WorkerServer } from "../support/worker-server.js";

const LEASE_SECONDS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker({ leaseSeconds: LEASE_SECONDS });
}, 90_000);
afterAll(() => api?.close());

function memoryIdentity(initial: StoredClient | null = null) {
  let stored = initial;
  return { load: () => stored, save: (client: StoredClient | null) => void (stored = client) };
}

describe("the protocol's heartbeat", () => {
  /**
   * A host whose run evaluates at step 0 and then not again for `gapMs` (well past the heartbeat
   * timeout) while its step advances every 100 ms; at `probeAtMs` another volunteer asks for work.
   */
  function slowEvaluations(gapMs: number, probe: () => Promise<void>, probeAtMs: number): VolunteerHost["train"] {
    return async (config, { onProgress }) => {
      const point = makeRunResult(config).curves[0];
      onProgress({ step: 0, steps: config.steps, stepsPerSecond: 0, point });
      const started = Date.now();
      let probed = false;
      for (let step = 1; Date.now() - started < gapMs; step++) {
        await sleep(100);
        onProgress({ step: Math.min(step, config.steps - 1), steps: config.steps, stepsPerSecond: 10 } satisfies Progress);
        if (!probed && Date.now() - started >= probeAtMs) {
          probed = true;
          await probe();
        }
      }
      return makeRunResult(config);
    };
  }

  async function run(sweep: string, heartbeatMs: number, other: Volunteer) {
    let probe: { status: number; body: any } | undefined;
    /** Another volunteer asks for work; given the unit, it reports it at once (quorum 1: validated). */
    const askForWork = async () => {
      probe = await api.request("POST", `/api/leases?sweep=${sweep}`, { token: other.token });
      if (probe.status === 201) await api.request("POST", `/api/leases/${probe.body.lease.id}/result`, { token: other.token, body: submission(probe.body.lease.config) });
    };
    const host: VolunteerHost = {
      capabilities: () => CAPABILITIES,
      identity: memoryIdentity(),
      backends: () => ["wasm-simd"],
      train: slowEvaluations(LEASE_SECONDS * 2500, askForWork, LEASE_SECONDS * 1500),
    };
    const failures: string[] = [];
    // Done after one unit, or once there is no more work for it.
    const stop = new AbortController();
    const events = { failed: (context: string, error: unknown) => failures.push(`${context}: ${String(error)}`), idle: () => stop.abort() };
    const report = await runVolunteer({ api: createVolunteerApi(api.origin), host, sweep, maxUnits: 1, signal: stop.signal, timing: { heartbeatMs }, events });
    return { report, probe: probe!, failures };
  }

  it("keeps a lease alive through an evaluation gap longer than the heartbeat timeout", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [other] = await registerVolunteers(api, 1);
    const { report, probe, failures } = await run(sweep, 500, other);
    expect(probe.status).toBe(204); // the unit was still held
    expect(failures).toEqual([]);
    expect(report).toMatchObject({ units: 1, stopped: 0, verdicts: { valid: 1 } });
    const [unit] = await unitsOf(api, sweep);
    expect(unit.leases.map((l: { status: string }) => l.status)).toEqual(["completed"]);
  });

  it("without it, the lease times out and the unit is reissued", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [other] = await registerVolunteers(api, 1);
    const { report, probe, failures } = await run(sweep, 60_000, other);
    expect(probe.status).toBe(201);
    // Its late result is refused: the other volunteer computed the unit's one replica meanwhile.
    expect(report.units).toBe(0);
    expect(failures).toEqual([expect.stringMatching(/^posting the result of unit \S+: ApiFailure: POST .* 409 too_late/)]);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.leases.map((l: { status: string }) => l.status)).toEqual(["expired", "completed"]);
    expect(unit.results.map((r: { clientId: string }) => r.clientId)).toEqual([other.clientId]);
  });
});

describe("the protocol and its token", () => {
  it("refreshes an expired token and goes on as the same client", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [volunteer] = await registerVolunteers(api, 1);
    // The client's token, as the API signs it, but expired a day ago.
    const payload = `v1.${volunteer.clientId}.${Date.now() - 86_400_000}`;
    const expired = `${payload}.${createHmac("sha256", TEST_TOKEN_SECRET).update(payload).digest("hex")}`;
    expect((await api.request("POST", `/api/leases?sweep=${sweep}`, { token: expired })).body.error.code).toBe("token_expired");
    const identity = memoryIdentity({ clientId: volunteer.clientId, token: expired });
    const refreshed: StoredClient[] = [];
    const host: VolunteerHost = { capabilities: () => CAPABILITIES, identity, backends: () => ["wasm-simd"], train: async (config) => makeRunResult(config) };
    const report = await runVolunteer({ api: createVolunteerApi(api.origin), host, sweep, maxUnits: 1, events: { tokenRefreshed: (client) => refreshed.push(client), registered: () => expect.unreachable("registered afresh") } });
    expect(report.units).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(identity.load()).toEqual(refreshed[0]);
    expect(refreshed[0]).toMatchObject({ clientId: volunteer.clientId, expiresAt: expect.any(Number) });
    expect(refreshed[0].expiresAt).toBeGreaterThan(Date.now());
    const [unit] = await unitsOf(api, sweep);
    expect(unit.results.map((r: { clientId: string }) => r.clientId)).toEqual([volunteer.clientId]);
  });
});

describe("the protocol at its lease cap", () => {
  it("waits the Retry-After the API names, then leases", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1, 2], quorum: 1 });
    // One core, no GPU: a cap of 2, both held (by a run of this volunteer that was killed, say).
    const { body: volunteer } = await api.request("POST", "/api/clients", { body: { ...CAPABILITIES, cores: 1 } });
    for (let i = 0; i < 2; i++) expect((await api.request("POST", `/api/leases?sweep=${sweep}`, { token: volunteer.token })).status).toBe(201);
    const waits: { code: string | undefined; retryMs: number }[] = [];
    const host: VolunteerHost = { capabilities: () => CAPABILITIES, identity: memoryIdentity(volunteer), backends: () => ["wasm-simd"], train: async (config) => makeRunResult(config) };
    const started = Date.now();
    const report = await runVolunteer({
      api: createVolunteerApi(api.origin),
      host,
      sweep,
      maxUnits: 1,
      timing: { retryBaseMs: 1, retryMaxMs: 2 },
      events: { failed: (_context, error, retryMs) => waits.push({ code: (error as ApiFailure).code, retryMs }) },
    });
    expect(report.units).toBe(1);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0].code).toBe("lease_cap");
    expect(waits.every((w) => w.code === "lease_cap" && w.retryMs >= 1000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const units = await unitsOf(api, sweep);
    expect(units.flatMap((u) => u.results).map((r: { clientId: string }) => r.clientId)).toEqual([volunteer.clientId]);
  });
});
