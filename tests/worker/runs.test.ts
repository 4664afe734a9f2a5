// The published runs of a sweep (GET /api/sweeps/:id/runs) and a volunteer's own results
// (GET /api/clients/me/results), against wrangler dev.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashOf, makeRunResult, submission, type ResultOptions } from "../support/run-results.js";
import { createSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

type Lease = { id: string; unitId: string; config: any; backend: ResultOptions["backend"] };

/** Leases from `sweep` for `backends`, expecting unit `unitId`. */
async function leaseOf(sweep: string, v: Volunteer, unitId: string, backends = "wasm-simd"): Promise<Lease> {
  const { status, body } = await api.request("POST", `/api/leases?sweep=${sweep}&backends=${backends}`, { token: v.token });
  if (status !== 201) throw new Error(`no lease: ${status} ${JSON.stringify(body)}`);
  expect(body.lease.unitId).toBe(unitId);
  return body.lease;
}

async function submit(l: Lease, v: Volunteer, options: ResultOptions = {}): Promise<string> {
  const { status, body } = await api.request("POST", `/api/leases/${l.id}/result`, { token: v.token, body: submission(l.config, { backend: l.backend, ...options }) });
  if (status !== 201) throw new Error(`result refused: ${status} ${JSON.stringify(body)}`);
  return body.result.id;
}

const runsOf = (sweep: string, query = "") => api.request("GET", `/api/sweeps/${sweep}/runs${query}`);

describe("GET /api/sweeps/:id/runs and /api/clients/me/results", () => {
  // Unit u0 (weight decay 0) validated by w1 and w2 (hash A), with two GPU runs: g1's accepted, g2's
  // rejected. Unit u1 (weight decay 1) awaiting its quorum: w1's result (hash B) and g1's GPU run pending.
  let sweep: string;
  let w1: Volunteer, w2: Volunteer, g1: Volunteer, g2: Volunteer;
  let u0: any, u1: any;
  const ids: Record<string, string> = {};
  const accepted = { finalTestAccuracy: 0.99, generalizationStep: 30 };
  const rejected = { finalTestAccuracy: 0.4, generalizationStep: null };

  beforeAll(async () => {
    sweep = await createSweep(api, { name: "runs", axes: [{ path: "optimizer.weightDecay", values: [0, 1] }], quorum: 2, gpuReplicas: 2 });
    [w1, w2, g1, g2] = await registerVolunteers(api, 4);
    [u0, u1] = await unitsOf(api, sweep);
    ids.w1u0 = await submit(await leaseOf(sweep, w1, u0.id), w1, { paramsHash: hashOf("A") });
    ids.w2u0 = await submit(await leaseOf(sweep, w2, u0.id), w2, { paramsHash: hashOf("A") });
    ids.g1u0 = await submit(await leaseOf(sweep, g1, u0.id, "tfjs-webgpu"), g1, { paramsHash: hashOf("g1"), ...accepted });
    ids.g2u0 = await submit(await leaseOf(sweep, g2, u0.id, "tfjs-webgpu"), g2, { paramsHash: hashOf("g2"), ...rejected });
    ids.w1u1 = await submit(await leaseOf(sweep, w1, u1.id), w1, { paramsHash: hashOf("B") });
    ids.g1u1 = await submit(await leaseOf(sweep, g1, u1.id, "tfjs-webgpu"), g1, { paramsHash: hashOf("g1 on u1") });
    [u0, u1] = await unitsOf(api, sweep);
    expect([u0.status, u1.status]).toEqual(["validated", "pending"]);
  });

  it("answers one run per validated unit: its validated result, with the unit's validated hash, summary and curves", async () => {
    const { status, body } = await runsOf(sweep);
    expect(status).toBe(200);
    const submitted = makeRunResult(u0.config, { paramsHash: hashOf("A") });
    expect(body).toEqual({
      sweep: { id: sweep, name: "runs" },
      axes: ["optimizer.weightDecay"],
      runs: [{ unitId: u0.id, resultId: u0.validatedResultId, cell: [0], seed: 0, backend: "wasm-simd", status: "valid", paramsHash: u0.validatedHash, summary: submitted.summary, curves: submitted.curves }],
    });
    expect(u0.validatedResultId).toBe(ids.w1u0);
    expect(u0.validatedHash).toBe(hashOf("A"));
  });

  it("with include=approximate, also the unit's GPU runs, tagged by backend, after the validated one", async () => {
    const { status, body } = await runsOf(sweep, "?include=approximate");
    expect(status).toBe(200);
    expect(body.runs.map((r: any) => [r.resultId, r.backend, r.status, r.paramsHash])).toEqual([
      [ids.w1u0, "wasm-simd", "valid", hashOf("A")],
      [ids.g1u0, "tfjs-webgpu", "approximate-accepted", hashOf("g1")],
      [ids.g2u0, "tfjs-webgpu", "approximate-rejected", hashOf("g2")],
    ]);
    expect(body.runs[2].summary.final.testAccuracy).toBe(0.4);
  });

  it("never shows a unit awaiting its quorum (its hashes stay withheld)", async () => {
    const { body } = await runsOf(sweep, "?include=approximate");
    expect(body.runs.map((r: any) => r.unitId)).not.toContain(u1.id);
    expect(JSON.stringify(body)).not.toContain(hashOf("B"));
  });

  it("pages with limit and offset", async () => {
    const pages = await Promise.all(["?include=approximate&limit=2", "?include=approximate&limit=2&offset=2", "?include=approximate&offset=3"].map((q) => runsOf(sweep, q)));
    expect(pages.map((p) => p.body.runs.map((r: any) => r.resultId))).toEqual([[ids.w1u0, ids.g1u0], [ids.g2u0], []]);
  });

  it("answers 404 for an unknown sweep and 400 naming a bad query parameter", async () => {
    const missing = await runsOf("no-such-sweep");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("sweep_not_found");
    for (const [query, field] of [
      ["?include=all", "include"],
      ["?limit=0", "limit"],
      ["?limit=101", "limit"],
      ["?offset=-1", "offset"],
      ["?includes=approximate", "includes"],
    ]) {
      const { status, body } = await runsOf(sweep, query);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe("invalid_query");
      expect(JSON.stringify(body.error.issues), query).toContain(field);
    }
  });

  it("/me/results: the calling volunteer's results only, newest first, with their verdicts and units' states", async () => {
    const mine = async (v: Volunteer) => {
      const { status, body } = await api.request("GET", "/api/clients/me/results", { token: v.token });
      expect(status).toBe(200);
      return body.results;
    };
    const w1Results = await mine(w1);
    expect(w1Results.map(({ createdAt, ...rest }: any) => rest)).toEqual([
      { id: ids.w1u1, unitId: u1.id, sweepId: sweep, sweepName: "runs", backend: "wasm-simd", status: "pending", unitStatus: "pending" },
      { id: ids.w1u0, unitId: u0.id, sweepId: sweep, sweepName: "runs", backend: "wasm-simd", status: "valid", unitStatus: "validated" },
    ]);
    expect(w1Results[0].createdAt).toBeGreaterThanOrEqual(w1Results[1].createdAt);
    expect((await mine(g1)).map((r: any) => [r.id, r.backend, r.status, r.unitStatus])).toEqual([
      [ids.g1u1, "tfjs-webgpu", "pending", "pending"],
      [ids.g1u0, "tfjs-webgpu", "approximate-accepted", "validated"],
    ]);
    expect((await mine(g2)).map((r: any) => [r.id, r.status])).toEqual([[ids.g2u0, "approximate-rejected"]]);
    expect(await mine((await registerVolunteers(api, 1))[0])).toEqual([]);
  });

  it("/me/results needs a client token (401)", async () => {
    const missing = await api.request("GET", "/api/clients/me/results");
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("missing_client_token");
    const forged = await api.request("GET", "/api/clients/me/results", { token: `${w1.clientId}.${"0".repeat(64)}` });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("bad_client_token");
  });
});

describe("GET /api/clients/me/results", () => {
  it("answers the newest 100", async () => {
    const values = Array.from({ length: 51 }, (_, i) => i / 100);
    const sweep = await createSweep(api, { name: "many", axes: [{ path: "optimizer.weightDecay", values }], seeds: [0, 1], quorum: 1 });
    const [v] = await registerVolunteers(api, 1);
    const posted: string[] = [];
    for (let leased = await api.request("POST", `/api/leases?sweep=${sweep}`, { token: v.token }); leased.status === 201; leased = await api.request("POST", `/api/leases?sweep=${sweep}`, { token: v.token })) {
      posted.push(await submit(leased.body.lease, v));
    }
    expect(posted).toHaveLength(102);
    const { body } = await api.request("GET", "/api/clients/me/results", { token: v.token });
    expect(body.results.map((r: any) => r.id)).toEqual(posted.slice(2).reverse());
    expect(body.results.every((r: any) => r.status === "valid" && r.unitStatus === "validated" && r.sweepName === "many")).toBe(true);
  }, 60_000);
});
