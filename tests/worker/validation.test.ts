// The API's validation end to end against wrangler dev; the pure quorum rule (decide, withinTolerance) is tested without it in validation-decision.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunConfig } from "../../src/config/run-config.js";
import { flopsExecuted, planRun } from "../../src/engine/run-plan.js";
import { hashOf, submission, type ResultOptions } from "../support/run-results.js";
import { createSweep, getSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

type Lease = { id: string; unitId: string; config: any };

async function leaseFrom(sweep: string, v: Volunteer, backends = "wasm-simd"): Promise<Lease> {
  const { status, body } = await api.request("POST", `/api/leases?sweep=${sweep}&backends=${backends}`, { token: v.token });
  if (status !== 201) throw new Error(`no lease: ${status} ${JSON.stringify(body)}`);
  return body.lease;
}

function submit(l: Lease, v: Volunteer, options: ResultOptions & { hash?: string } = {}) {
  return api.request("POST", `/api/leases/${l.id}/result`, { token: v.token, body: submission(l.config, { paramsHash: hashOf(options.hash ?? "A"), ...options }) });
}

const statusesOf = async (sweep: string) => Object.fromEntries((await unitsOf(api, sweep))[0].results.map((r: any) => [r.clientId, r.status]));

describe("quorum validation (wasm-simd)", () => {
  it("validates a unit when two distinct clients report the same hash", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a, b] = await registerVolunteers(api, 2);
    const la = await leaseFrom(sweep, a), lb = await leaseFrom(sweep, b);
    const first = await submit(la, a);
    expect(first.status).toBe(201);
    expect(first.body.result).toMatchObject({ status: "pending", unit: { id: la.unitId, status: "pending" } });
    expect((await getSweep(api, sweep)).counts).toMatchObject({ leased: 1, awaitingQuorum: 0 });
    const second = await submit(lb, b);
    expect(second.status).toBe(201);
    expect(second.body.result).toMatchObject({ status: "valid", unit: { status: "validated" } });

    const [unit] = await unitsOf(api, sweep);
    expect(unit).toMatchObject({ status: "validated", validatedHash: hashOf("A"), validatedResultId: first.body.result.id });
    expect(unit.results.map((r: any) => r.status)).toEqual(["valid", "valid"]);
    expect(unit.leases.map((l: any) => l.status)).toEqual(["completed", "completed"]);
    // FLOPs: the engine's run plan for the unit's config (tests/engine/run-plan.test.ts checks it against real runs),
    // for the steps run and the evaluations the result reports — not a 6·N·D estimate, not the volunteer's word.
    const reported = submission(la.config, { paramsHash: hashOf("A") }).result;
    const plan = planRun(parseRunConfig(la.config));
    expect(unit.results[0].flops).toBe(flopsExecuted(plan, 50, reported.curves.length));
    expect(unit.results[0].flops).toBeGreaterThan(plan.flops.perStep * 50);
    const summary = await getSweep(api, sweep);
    expect(summary.counts).toEqual({ pending: 0, leased: 0, awaitingQuorum: 0, validated: 1, failed: 0 });
    expect(summary.results).toMatchObject({ valid: 2, pending: 0 });
  });

  it("raises replicas_needed on a disagreement, leases the unit again, and marks the odd one out invalid", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a, b, c, d] = await registerVolunteers(api, 4);
    const la = await leaseFrom(sweep, a), lb = await leaseFrom(sweep, b);
    await submit(la, a, { hash: "A" });
    expect((await submit(lb, b, { hash: "B" })).body.result.status).toBe("pending");
    let [unit] = await unitsOf(api, sweep);
    expect(unit).toMatchObject({ status: "pending", replicasNeeded: 3 });
    expect((await getSweep(api, sweep)).counts.awaitingQuorum).toBe(1);

    const lc = await leaseFrom(sweep, c); // one more replica
    expect(lc.unitId).toBe(unit.id);
    expect((await api.request("POST", `/api/leases?sweep=${sweep}`, { token: d.token })).status).toBe(204);
    const third = await submit(lc, c, { hash: "A" });
    expect(third.body.result).toMatchObject({ status: "valid", unit: { status: "validated" } });
    expect(await statusesOf(sweep)).toEqual({ [a.clientId]: "valid", [b.clientId]: "invalid", [c.clientId]: "valid" });
    [unit] = await unitsOf(api, sweep);
    expect(unit).toMatchObject({ validatedHash: hashOf("A"), replicasNeeded: 3 });
  });

  it("fails a unit after more than quorum + 3 disagreeing results, and marks every one of them invalid", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const volunteers = await registerVolunteers(api, 7);
    for (const [i, v] of volunteers.slice(0, 6).entries()) {
      const { body } = await submit(await leaseFrom(sweep, v), v, { hash: `H${i}` });
      expect(body.result.unit.status).toBe(i < 5 ? "pending" : "failed");
      expect(body.result.status).toBe(i < 5 ? "pending" : "invalid");
    }
    const [unit] = await unitsOf(api, sweep);
    expect(unit).toMatchObject({ status: "failed", replicasNeeded: 7 });
    expect(unit.results.map((r: any) => r.status)).toEqual(Array(6).fill("invalid"));
    // A failed unit's hashes are public again: nobody can be validated on it any more.
    expect(unit.results.map((r: any) => r.paramsHash)).toEqual([0, 1, 2, 3, 4, 5].map((i) => hashOf(`H${i}`)));
    expect((await api.request("POST", `/api/leases?sweep=${sweep}`, { token: volunteers[6].token })).status).toBe(204);
    const summary = await getSweep(api, sweep);
    expect(summary.counts.failed).toBe(1);
    expect(summary.results).toMatchObject({ pending: 0, invalid: 6 });
  });

  it("never shows a pending unit's result hashes, so a second volunteer cannot copy the first's", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a, b] = await registerVolunteers(api, 2);
    const la = await leaseFrom(sweep, a), lb = await leaseFrom(sweep, b);
    const secret = hashOf("computed by a");
    expect((await submit(la, a, { hash: "computed by a" })).status).toBe(201);
    // Everything b can read without a token, while the unit awaits b's replica:
    for (const path of [`/api/sweeps/${sweep}/units`, `/api/sweeps/${sweep}`, "/api/sweeps", `/api/sweeps/${sweep}/aggregates`, `/api/units/${la.unitId}/curves`, "/api/stats"]) {
      const { body } = await api.request("GET", path);
      expect(JSON.stringify(body), path).not.toContain(secret);
    }
    const [pending] = await unitsOf(api, sweep);
    expect(pending.results).toMatchObject([{ clientId: a.clientId, status: "pending", paramsHash: null }]);
    // Once validated, the hashes are shown.
    expect((await submit(lb, b, { hash: "computed by a" })).body.result.unit.status).toBe("validated");
    expect((await unitsOf(api, sweep))[0].results.map((r: any) => r.paramsHash)).toEqual([secret, secret]);
  });
});

describe("non-deterministic backends", () => {
  // The unit's evalInterval is 10 and the reference run generalizes at step 50 (the last one).
  for (const [label, options, verdict] of [
    ["within tolerance", { finalTestAccuracy: 0.99, finalTrainAccuracy: 0.995, generalizationStep: 30 }, "approximate-accepted"],
    ["far off", { finalTestAccuracy: 0.4, generalizationStep: null }, "approximate-rejected"],
  ] as const) {
    it(`a tfjs-webgpu result ${label} becomes ${verdict} once the unit is validated, without counting toward the quorum`, async () => {
      const sweep = await createSweep(api, { quorum: 2, gpuReplicas: 1 });
      const [gpu, a, b] = await registerVolunteers(api, 3);
      const lg = await leaseFrom(sweep, gpu, "tfjs-webgpu"), la = await leaseFrom(sweep, a);
      expect(lg.unitId).toBe(la.unitId);
      const approximate = await submit(lg, gpu, { backend: "tfjs-webgpu", hash: "A", ...options });
      expect(approximate.body.result).toMatchObject({ status: "pending", unit: { status: "pending" } });
      // Neither its lease nor its result took a quorum slot: a second deterministic replica is leased.
      const lb = await leaseFrom(sweep, b);
      expect((await submit(la, a)).body.result.unit.status).toBe("pending"); // the same hash from tfjs did not count
      expect((await submit(lb, b)).body.result.unit.status).toBe("validated");
      expect(await statusesOf(sweep)).toEqual({ [gpu.clientId]: verdict, [a.clientId]: "valid", [b.clientId]: "valid" });
    });
  }
});

describe("idempotent results", () => {
  it("a repeated post answers the stored verdict and stores nothing twice", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a, b] = await registerVolunteers(api, 2);
    const la = await leaseFrom(sweep, a), lb = await leaseFrom(sweep, b);
    const first = await submit(la, a);
    expect(first.status).toBe(201);
    const again = await submit(la, a, { hash: "B" });
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(first.body.result);
    expect((await unitsOf(api, sweep))[0].results).toHaveLength(1);
    // The stored hash is the first post's: b's "A" completes the quorum with it.
    expect((await submit(lb, b)).body.result.unit.status).toBe("validated");
    expect((await unitsOf(api, sweep))[0].results.map((r: any) => r.paramsHash)).toEqual([hashOf("A"), hashOf("A")]);
  });

  it("concurrent duplicate posts store one result", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a] = await registerVolunteers(api, 1);
    const la = await leaseFrom(sweep, a);
    const responses = await Promise.all(Array.from({ length: 5 }, () => submit(la, a)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.result.id)).size).toBe(1);
    expect((await unitsOf(api, sweep))[0].results).toHaveLength(1);
  });

  it("concurrent agreeing results from distinct clients validate the unit", async () => {
    const sweep = await createSweep(api, { quorum: 3 });
    const volunteers = await registerVolunteers(api, 3);
    const leases = await Promise.all(volunteers.map((v) => leaseFrom(sweep, v)));
    const responses = await Promise.all(volunteers.map((v, i) => submit(leases[i], v)));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.status).toBe("validated");
    expect(unit.results.map((r: any) => r.status)).toEqual(["valid", "valid", "valid"]);
  });
});
