/**
 * What the API refuses in a reported result before storing anything of it (worker/src/result-consistency.ts
 * and the result schema), through the real API: a summary contradicting its curves (named with the value
 * the API derives), a forged result digest, losses, accuracies and norms out of range, norms that do not
 * add up, curves off the engine's evaluation schedule, an early stop the curves do not show. Each a 400
 * naming the field and what was expected. (tests/worker/leases.test.ts covers the run's extent: stepsRun
 * against config.steps, summary.final, parameterCount.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/config/run-result.js";
import { hashOf, resummarize, submission } from "../support/run-results.js";
import { BASE_CONFIG, createSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

/**
 * A sweep of one unit (quorum 1) leased by a volunteer of its own (volunteers' live leases are capped);
 * `post` reports a result for it, `nothingStored` checks none was.
 */
async function heldUnit(baseConfig: Record<string, unknown> = BASE_CONFIG) {
  const sweep = await createSweep(api, { baseConfig, quorum: 1 });
  const [volunteer]: Volunteer[] = await registerVolunteers(api, 1);
  const { status, body } = await api.request("POST", `/api/leases?sweep=${sweep}`, { token: volunteer.token });
  if (status !== 201) throw new Error(`no lease: ${status} ${JSON.stringify(body)}`);
  const lease: { id: string; config: any } = body.lease;
  return {
    config: lease.config,
    post: (result: RunResult) => api.request("POST", `/api/leases/${lease.id}/result`, { token: volunteer.token, body: { result, timings: { wallSeconds: 1 } } }),
    nothingStored: async () => expect((await unitsOf(api, sweep))[0].results).toEqual([]),
  };
}

// A unit of its own for every test: one refusal wrongly accepted cannot make the next test fail too.
let unit: Awaited<ReturnType<typeof heldUnit>>;
beforeEach(async () => {
  unit = await heldUnit();
});

/** The unit's config (steps 50, evalInterval 10): memorized at 30, generalized at 40 unless told otherwise. */
const result = (options: Parameters<typeof submission>[1] = {}) => submission(unit.config, { generalizationStep: 40, ...options }).result;

async function expectRefused(tampered: RunResult, code: string, path: string, message?: RegExp) {
  const { status, body } = await unit.post(tampered);
  expect(status).toBe(400);
  expect(body.error.code).toBe(code);
  expect(body.error.issues.map((i: { path: string }) => i.path)).toEqual([path]);
  expect(body.error.message).toContain(path);
  if (message) expect(body.error.message).toMatch(message);
  await unit.nothingStored();
}

describe("a summary must be the one its curves give", () => {
  it.each<[string, (r: RunResult) => void, string, RegExp]>([
    ["a generalization step other than the curves'", (r) => (r.summary.generalizationStep = 30), "result.summary.generalizationStep", /result\.summary\.generalizationStep: expected 40 \(from the curves: the first step with testAccuracy ≥ 0\.99\), got 30/],
    ["no memorization step while train accuracy reaches 1", (r) => (r.summary.memorizationStep = null), "result.summary.memorizationStep", /expected 30 \(from the curves.*\), got null/],
    ["a grokking delay other than generalization − memorization", (r) => (r.summary.grokkingDelay = 500), "result.summary.grokkingDelay", /expected 10 .*got 500/],
    ["an early stop the config cannot make", (r) => (r.summary.stoppedEarly = true), "result.summary.stoppedEarly", /expected false \(from the curves and config\.earlyStopTestAccuracy \(none\)\), got true/],
    ["a forged result digest", (r) => (r.summary.resultDigest = hashOf("forged")), "result.summary.resultDigest", /expected [0-9a-f]{64} \(SHA-256 of summary\.paramsHash and the curves/],
    ["a paramsHash the digest was not computed with", (r) => (r.summary.paramsHash = hashOf("other")), "result.summary.resultDigest", /got [0-9a-f]{64}$/],
  ])("refuses %s", async (_, tamper, path, message) => {
    const r = result();
    tamper(r);
    await expectRefused(r, "inconsistent_result", path, message);
  });
});

describe("losses, accuracies and norms in range", () => {
  it.each<[string, (r: RunResult) => void, string]>([
    ["a negative loss", (r) => (r.curves[2].trainLoss = -0.5), "result.curves[2].trainLoss"],
    ["an accuracy above 1", (r) => (r.curves[3].testAccuracy = 1.5), "result.curves[3].testAccuracy"],
    ["a null accuracy (accuracies stay finite when a run diverges)", (r) => ((r.curves[1] as any).trainAccuracy = null), "result.curves[1].trainAccuracy"],
    ["a negative norm", (r) => (r.curves[0].embeddingNorm = -6), "result.curves[0].embeddingNorm"],
    ["a negative final loss", (r) => (r.summary.final.testLoss = -1), "result.summary.final.testLoss"],
  ])("refuses %s in the schema", async (_, tamper, path) => {
    const r = result();
    tamper(r);
    await expectRefused(r, "invalid_body", path);
  });

  it.each<[string, (r: RunResult) => void, string, RegExp]>([
    ["norms that do not add up", (r) => (r.curves[4].weightNorm = 11), "result.curves[4].weightNorm", /expected weightNorm² = embeddingNorm² \+ otherNorm².*got weightNorm 11, embeddingNorm 6, otherNorm 8/],
    ["a null total norm with finite groups", (r) => (r.curves[1].weightNorm = null), "result.curves[1].weightNorm", /null exactly when one of them is/],
    ["finite norms with a null group", (r) => (r.curves[1].otherNorm = null), "result.curves[1].weightNorm", /otherNorm null/],
  ])("refuses %s", async (_, tamper, path, message) => {
    const r = result();
    tamper(r);
    await expectRefused(resummarize(r), "inconsistent_result", path, message);
  });

  it("accepts a diverged point: every norm null but a finite group's, and null losses", async () => {
    const r = result();
    Object.assign(r.curves[5], { trainLoss: null, testLoss: null, weightNorm: null, otherNorm: null });
    const posted = await unit.post(resummarize(r));
    expect(posted.status).toBe(201);
  });
});

describe("curves at the engine's evaluation schedule", () => {
  it.each<[string, (r: RunResult) => void, string, RegExp]>([
    ["an evaluation left out", (r) => r.curves.splice(2, 1), "result.curves[2].step", /expected 20 \(evaluations are at step 0, every config\.evalInterval \(10\) and config\.steps \(50\), up to summary\.stepsRun \(50\)\), got 30/],
    ["an evaluation between two of the schedule's", (r) => r.curves.splice(3, 0, { ...r.curves[2], step: 25 }), "result.curves[3].step", /expected 30 .*got 25/],
  ])("refuses %s", async (_, tamper, path, message) => {
    const r = result();
    tamper(r);
    await expectRefused(resummarize(r), "inconsistent_result", path, message);
  });
});

describe("an early stop", () => {
  const earlyStopping = { ...BASE_CONFIG, earlyStopTestAccuracy: 0.99 };

  it("is accepted at the first evaluation reaching config.earlyStopTestAccuracy", async () => {
    const stopping = await heldUnit(earlyStopping);
    const posted = await stopping.post(submission(stopping.config, { stoppedAt: 30 }).result);
    expect(posted.status).toBe(201);
  });

  it("is refused when an earlier evaluation reached the target (the run stops there)", async () => {
    const stopping = await heldUnit(earlyStopping);
    const r = submission(stopping.config, { stoppedAt: 30 }).result;
    r.curves[1].testAccuracy = 0.995;
    const { status, body } = await stopping.post(resummarize(r));
    expect(status).toBe(400);
    expect(body.error.issues).toEqual([{ path: "result.curves[1].testAccuracy", message: "reaches config.earlyStopTestAccuracy (0.99) at step 10, where the run stops, yet the curves go on to step 30" }]);
    await stopping.nothingStored();
  });

  it("is refused between evaluations", async () => {
    const stopping = await heldUnit(earlyStopping);
    const r = submission(stopping.config, { stoppedAt: 30 }).result;
    r.curves.at(-1)!.step = 35;
    const { status, body } = await stopping.post(resummarize(r));
    expect(status).toBe(400);
    expect(body.error.issues).toEqual([{ path: "result.summary.stepsRun", message: "a run stops early only at an evaluation (a multiple of config.evalInterval, 10), got 35" }]);
    await stopping.nothingStored();
  });
});
