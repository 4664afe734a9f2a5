/**
 * A unit's result must fit in a request: sweeps whose runs would make more evaluations than
 * MAX_EVALUATIONS_PER_UNIT are refused at creation, and a result at that limit, with the longest
 * numbers JSON can print, is accepted by the real API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CurvePoint } from "../../src/config/run-result.js";
import { MAX_BODY_BYTES, MAX_EVALUATIONS_PER_UNIT } from "../../worker/src/schema.js";
import { resummarize, submission } from "../support/run-results.js";
import { BASE_CONFIG, createSweep, registerVolunteers } from "../support/sweep-fixtures.js";
import { startWorker, TEST_ADMIN_TOKEN, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

const post = (sweep: Record<string, unknown>) => api.request("POST", "/api/sweeps", { token: TEST_ADMIN_TOKEN, body: { name: "evaluations", seeds: [0], ...sweep } });
const sweepCount = async () => (await api.request("GET", "/api/sweeps")).body.sweeps.length as number;

/** A run of `steps` steps evaluated at every one: steps + 1 evaluations. */
const everyStep = (steps: number) => ({ ...BASE_CONFIG, steps, evalInterval: 1 });

/** 23 characters, the longest a finite non-negative double (a loss, a norm) prints as in JSON; negative ones are refused. */
const LONGEST = 1.2345678901234567e-100;
/** Norms of that length that add up as the API checks: weightNorm² = embeddingNorm² + otherNorm². */
const LONGEST_NORMS = { weightNorm: Math.hypot(LONGEST, LONGEST), embeddingNorm: LONGEST, otherNorm: LONGEST };
const longestPoint = (step: number): CurvePoint => ({ step, trainLoss: LONGEST, trainAccuracy: 0.12345678901234568, testLoss: LONGEST, testAccuracy: 0.12345678901234568, ...LONGEST_NORMS });

describe("evaluations per unit", () => {
  it("refuses a base config with too many evaluations, naming baseConfig.evalInterval and storing nothing", async () => {
    const before = await sweepCount();
    const { status, body } = await post({ baseConfig: everyStep(MAX_EVALUATIONS_PER_UNIT) });
    expect(status).toBe(400);
    expect(body.error.code).toBe("too_many_evaluations");
    expect(body.error.issues).toEqual([{ path: "baseConfig.evalInterval", message: `${MAX_EVALUATIONS_PER_UNIT + 1} evaluations; at most ${MAX_EVALUATIONS_PER_UNIT}` }]);
    expect(await sweepCount()).toBe(before);
  });

  it("names the axis (evalInterval or steps) whose value makes too many", async () => {
    const byInterval = await post({ baseConfig: { ...BASE_CONFIG, steps: 4000 }, axes: [{ path: "evalInterval", values: [100, 1] }] });
    expect(byInterval.status).toBe(400);
    expect(byInterval.body.error.issues[0].path).toBe("axes.evalInterval");
    expect(byInterval.body.error.message).toContain('axis "evalInterval" value 1');
    const bySteps = await post({ baseConfig: { ...BASE_CONFIG, evalInterval: 10 }, axes: [{ path: "optimizer.weightDecay", values: [0, 1] }, { path: "steps", values: [100, 100_000] }] });
    expect(bySteps.status).toBe(400);
    expect(bySteps.body.error.issues[0].path).toBe("axes.steps");
    expect(bySteps.body.error.message).toContain("10001 evaluations");
  });

  it("accepts a unit at the limit, and its result with the longest numbers fits under the body limit", async () => {
    const steps = MAX_EVALUATIONS_PER_UNIT - 1;
    const sweep = await createSweep(api, { baseConfig: everyStep(steps), quorum: 1 });
    const [volunteer] = await registerVolunteers(api, 1);
    const leased = await api.request("POST", `/api/leases?sweep=${sweep}`, { token: volunteer.token });
    const body = submission(leased.body.lease.config);
    body.result.curves = Array.from({ length: MAX_EVALUATIONS_PER_UNIT }, (_, step) => longestPoint(step));
    resummarize(body.result);
    body.result.meta.note = "n".repeat(500);
    const bytes = JSON.stringify(body).length;
    // The bound stated at MAX_EVALUATIONS_PER_UNIT: over 450 KB to spare.
    expect(MAX_BODY_BYTES - bytes).toBeGreaterThan(450_000);
    const posted = await api.request("POST", `/api/leases/${leased.body.lease.id}/result`, { token: volunteer.token, body });
    expect(posted.status).toBe(201);
  });
});
