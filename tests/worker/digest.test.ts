/**
 * The result digest and the derived summary through the real API (wrangler dev, local D1): quorums
 * agree on the digest the API computes, so honest parameters with rewritten curves disagree with
 * the honest run; a diverged run (null in its curves) validates and is published; the summary the
 * API stores is the one it derives. The refusals — summaries contradicting their curves, numbers out
 * of range, curves off the engine's schedule — are in result-checks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/config/run-result.js";
import { train } from "../../src/node.js";
import { resummarize } from "../support/run-results.js";
import { BASE_CONFIG, createSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

type Lease = { id: string; unitId: string; config: any };

async function leaseFrom(sweep: string, v: Volunteer): Promise<Lease> {
  const { status, body } = await api.request("POST", `/api/leases?sweep=${sweep}`, { token: v.token });
  if (status !== 201) throw new Error(`no lease: ${status} ${JSON.stringify(body)}`);
  return body.lease;
}

const post = (l: Lease, v: Volunteer, result: RunResult) => api.request("POST", `/api/leases/${l.id}/result`, { token: v.token, body: { result, timings: { wallSeconds: 1 } } });

describe("quorums agree on the result digest", () => {
  it("two real runs validate; the stored summary is the API's, carrying the engine's digest", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a, b] = await registerVolunteers(api, 2);
    const la = await leaseFrom(sweep, a), lb = await leaseFrom(sweep, b);
    const result = await train(la.config);
    expect((await post(la, a, result)).status).toBe(201);
    expect((await post(lb, b, structuredClone(result))).body.result).toMatchObject({ status: "valid", unit: { status: "validated" } });
    const { body } = await api.request("GET", `/api/units/${la.unitId}/curves`);
    expect(body.summary).toEqual(JSON.parse(JSON.stringify(result.summary)));
    expect(body.summary.resultDigest).toBe(result.summary.resultDigest);
  }, 60_000);

  it("honest parameters with rewritten curves disagree with the honest run, which a third run validates", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [honest, forger, third] = await registerVolunteers(api, 3);
    const lh = await leaseFrom(sweep, honest), lf = await leaseFrom(sweep, forger);
    const result = await train(lh.config);
    // The forger trained honestly (its paramsHash is right) but publishes better test accuracy, with a
    // summary and digest made consistent with its curves: the API accepts the result, the quorum does not.
    const forged = structuredClone(result);
    for (const p of forged.curves.slice(1)) p.testAccuracy = 1;
    resummarize(forged);
    expect(forged.summary.paramsHash).toBe(result.summary.paramsHash);
    expect((await post(lh, honest, result)).status).toBe(201);
    const posted = await post(lf, forger, forged);
    expect(posted.status).toBe(201);
    expect(posted.body.result).toMatchObject({ status: "pending", unit: { status: "pending" } });
    expect((await unitsOf(api, sweep))[0]).toMatchObject({ status: "pending", replicasNeeded: 3 });

    const lt = await leaseFrom(sweep, third);
    expect((await post(lt, third, await train(lt.config))).body.result).toMatchObject({ status: "valid", unit: { status: "validated" } });
    const [unit] = await unitsOf(api, sweep);
    expect(Object.fromEntries(unit.results.map((r: any) => [r.clientId, r.status]))).toEqual({ [honest.clientId]: "valid", [forger.clientId]: "invalid", [third.clientId]: "valid" });
    expect(unit.validatedHash).toBe(result.summary.paramsHash);
    const runs = (await api.request("GET", `/api/sweeps/${sweep}/runs`)).body.runs;
    expect(runs.map((r: any) => r.curves)).toEqual([result.curves]);
  }, 60_000);
});

describe("a diverged run", () => {
  // SGD at lr 1e3 turns the parameters to NaN within 10 steps: null losses and norms from then on.
  const diverging = { ...BASE_CONFIG, optimizer: { kind: "sgd", lr: 1e3, momentum: 0.9 } };
  let sweep: string;
  let result: RunResult;

  beforeAll(async () => {
    sweep = await createSweep(api, { name: "diverged", baseConfig: diverging, quorum: 2 });
    const [a, b] = await registerVolunteers(api, 2);
    const la = await leaseFrom(sweep, a), lb = await leaseFrom(sweep, b);
    // One volunteer on one thread, the other on a pool of two: the same NaN-laden run, bit for bit.
    const [one, two] = await Promise.all([train(la.config), train(lb.config, { threads: 2 })]);
    result = one;
    expect(one.summary.resultDigest).toBe(two.summary.resultDigest);
    expect((await post(la, a, one)).status).toBe(201);
    expect((await post(lb, b, two)).body.result).toMatchObject({ status: "valid", unit: { status: "validated" } });
  }, 60_000);

  it("is published with null for its non-finite losses and norms", async () => {
    const { status, body } = await api.request("GET", `/api/sweeps/${sweep}/runs`);
    expect(status).toBe(200);
    const [run] = body.runs;
    expect(run.curves).toEqual(result.curves);
    expect(run.summary.final).toMatchObject({ trainLoss: null, testLoss: null, weightNorm: null });
    expect(run.summary.resultDigest).toBe(result.summary.resultDigest);
  });

  it("is aggregated without its null losses and norms, in JSON and CSV", async () => {
    const { body } = await api.request("GET", `/api/sweeps/${sweep}/aggregates`);
    const [cell] = body.cells;
    expect(cell).toMatchObject({ validated: 1, phase: "confusion" });
    expect(cell.metrics.finalTrainLoss).toBeNull();
    expect(cell.metrics.finalWeightNorm).toBeNull();
    expect(cell.metrics.finalTrainAccuracy).toEqual({ median: result.summary.final.trainAccuracy, min: result.summary.final.trainAccuracy, max: result.summary.final.trainAccuracy, n: 1 });
    const csv = await (await fetch(`${api.origin}/api/sweeps/${sweep}/aggregates?format=csv`)).text();
    expect(csv.trim().split("\n")).toHaveLength(2);
    expect(csv).not.toMatch(/null|NaN|Infinity/);
  });

  it("reports progress with null metrics", async () => {
    const diverged = await createSweep(api, { name: "diverged progress", baseConfig: diverging, quorum: 1 });
    const [v] = await registerVolunteers(api, 1);
    const l = await leaseFrom(diverged, v);
    const { status } = await api.request("POST", `/api/leases/${l.id}/progress`, { token: v.token, body: { step: result.curves.at(-1)!.step, metrics: result.curves.at(-1) } });
    expect(status).toBe(200);
  });
});
