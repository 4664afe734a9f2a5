import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunConfig } from "../../src/config/run-config.js";
import { BASE_CONFIG, createSweep, getSweep, unitsOf } from "../support/sweep-fixtures.js";
import { startWorker, TEST_ADMIN_TOKEN, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

const post = (body: unknown, token: string | null = TEST_ADMIN_TOKEN) => api.request("POST", "/api/sweeps", { token: token ?? undefined, body });
const sweepCount = async () => (await api.request("GET", "/api/sweeps")).body.sweeps.length as number;

describe("POST /api/sweeps", () => {
  it("creates axis values × seeds units with the right configs", async () => {
    const axes = [
      { path: "optimizer.weightDecay", values: [0, 0.5, 1] },
      { path: "task.trainFraction", values: [0.3, 0.6] },
    ];
    const { status, body } = await post({ name: "wd × fraction", baseConfig: BASE_CONFIG, axes, seeds: [1, 2], quorum: 3 });
    expect(status).toBe(201);
    expect(body.sweep).toMatchObject({ name: "wd × fraction", units: 12 });

    const units = await unitsOf(api, body.sweep.id);
    expect(units).toHaveLength(12);
    const expected = [0, 0.5, 1].flatMap((wd) => [0.3, 0.6].flatMap((tf) => [1, 2].map((seed) => ({ wd, tf, seed }))));
    expect(units.map((u) => ({ wd: u.config.optimizer.weightDecay, tf: u.config.task.trainFraction, seed: u.seed }))).toEqual(expected);
    for (const [i, unit] of units.entries()) {
      const { wd, tf, seed } = expected[i];
      expect(unit.cell).toEqual([wd, tf]);
      // The stored config is the parsed one, defaults filled in.
      expect(unit.config).toEqual(parseRunConfig({ ...BASE_CONFIG, task: { ...BASE_CONFIG.task, trainFraction: tf }, optimizer: { ...BASE_CONFIG.optimizer, weightDecay: wd }, seed }));
      expect(unit).toMatchObject({ status: "pending", replicasNeeded: 3, leases: [], results: [] });
    }

    const sweep = await getSweep(api, body.sweep.id);
    expect(sweep).toMatchObject({ id: body.sweep.id, quorum: 3, units: 12, counts: { pending: 12, leased: 0, awaitingQuorum: 0, validated: 0, failed: 0 }, axes, seeds: [1, 2] });
    expect(sweep.phase).toEqual({ trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 1000 });
  });

  it("sets an optional leaf the base config omits", async () => {
    const id = await createSweep(api, { axes: [{ path: "constrainNorm", values: [20, 40] }] });
    expect((await unitsOf(api, id)).map((u) => u.config.constrainNorm)).toEqual([20, 40]);
  });

  it("refuses a bad axis value with 400 naming the path and value, storing nothing", async () => {
    const before = await sweepCount();
    const { status, body } = await post({ name: "bad", baseConfig: BASE_CONFIG, axes: [{ path: "optimizer.lr", values: [1e-3, -1] }], seeds: [0] });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_unit_config");
    expect(body.error.message).toContain('axis "optimizer.lr" value -1');
    expect(body.error.issues[0].path).toBe("optimizer.lr");
    expect(await sweepCount()).toBe(before);
  });

  it("refuses an axis whose parent object is not in the base config", async () => {
    const before = await sweepCount();
    const { status, body } = await post({ name: "bad", baseConfig: BASE_CONFIG, axes: [{ path: "schedule.warmup", values: [1] }], seeds: [0] });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_axis_path");
    expect(body.error.message).toContain('"schedule"');
    expect(await sweepCount()).toBe(before);
  });

  it("refuses an unknown leaf (the run config is strict)", async () => {
    const { status, body } = await post({ name: "bad", baseConfig: BASE_CONFIG, axes: [{ path: "optimizer.learningRate", values: [1] }], seeds: [0] });
    expect(status).toBe(400);
    expect(body.error.message).toContain("learningRate");
  });

  it("names the whole cell when the issue is elsewhere in the config", async () => {
    const { status, body } = await post({ name: "bad", baseConfig: BASE_CONFIG, axes: [{ path: "steps", values: [100, 5] }], seeds: [0] });
    expect(status).toBe(400);
    expect(body.error.message).toContain("steps=5");
    expect(body.error.issues[0].path).toBe("evalInterval");
  });

  it("refuses more than MAX_UNITS_PER_SWEEP units, saying how many", async () => {
    const before = await sweepCount();
    const values = Array.from({ length: 100 }, (_, i) => i * 0.01);
    const { status, body } = await post({ name: "huge", baseConfig: BASE_CONFIG, axes: [{ path: "optimizer.weightDecay", values }], seeds: Array.from({ length: 51 }, (_, i) => i) });
    expect(status).toBe(400);
    expect(body.error.code).toBe("too_many_units");
    expect(body.error.message).toContain("5100 units");
    expect(await sweepCount()).toBe(before);
  });

  it("stores a sweep of the largest size in one batch", async () => {
    const values = Array.from({ length: 100 }, (_, i) => i * 0.01);
    const { status, body } = await post({ name: "largest", baseConfig: BASE_CONFIG, axes: [{ path: "optimizer.weightDecay", values }], seeds: Array.from({ length: 50 }, (_, i) => i) });
    expect(status).toBe(201);
    expect(body.sweep.units).toBe(5000);
    expect((await getSweep(api, body.sweep.id)).counts.pending).toBe(5000);
  });

  it("names a schema violation's field, storing nothing", async () => {
    const before = await sweepCount();
    const { status, body } = await post({ name: "q", baseConfig: BASE_CONFIG, seeds: [0], quorum: 0 });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_body");
    expect(body.error.issues[0].path).toBe("quorum");
    expect(await sweepCount()).toBe(before);
  });

  it("refuses malformed JSON, storing nothing", async () => {
    const before = await sweepCount();
    const { status, body } = await api.request("POST", "/api/sweeps", { token: TEST_ADMIN_TOKEN, rawBody: '{"name": "x",' });
    expect(status).toBe(400);
    expect(body.error.code).toBe("malformed_json");
    expect(await sweepCount()).toBe(before);
  });

  it("needs the admin token: 401 without, 403 with a wrong one, nothing stored", async () => {
    const before = await sweepCount();
    const body = { name: "x", baseConfig: BASE_CONFIG, seeds: [0] };
    const missing = await post(body, null);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("missing_admin_token");
    const wrong = await post(body, "not-the-admin-token");
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("bad_admin_token");
    expect(await sweepCount()).toBe(before);
  });
});

describe("GET /api/sweeps", () => {
  it("lists sweeps with their counts, newest first", async () => {
    const id = await createSweep(api, { name: "listed", seeds: [0, 1, 2] });
    const { status, body } = await api.request("GET", "/api/sweeps");
    expect(status).toBe(200);
    expect(body.sweeps[0]).toMatchObject({ id, name: "listed", units: 3, counts: { pending: 3, leased: 0, awaitingQuorum: 0, validated: 0, failed: 0 } });
  });

  it("reports a bad query string as invalid_query naming the parameter", async () => {
    const id = await createSweep(api, { name: "paged" });
    const { status, body } = await api.request("GET", `/api/sweeps/${id}/units?limit=0`);
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_query");
    expect(body.error.issues[0].path).toBe("limit");
    expect(body.error.message).toMatch(/^invalid query: limit: /);
  });

  it("answers an unknown sweep with a JSON 404", async () => {
    for (const path of ["/api/sweeps/nope", "/api/sweeps/nope/units", "/api/sweeps/nope/aggregates"]) {
      const { status, body } = await api.request("GET", path);
      expect(status).toBe(404);
      expect(body.error.code).toBe("sweep_not_found");
    }
  });
});
