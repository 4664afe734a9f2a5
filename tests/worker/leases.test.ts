import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TIMING } from "../../src/client/volunteer.js";
import type { RunResult } from "../../src/config/run-result.js";
import { coarseToFineRanks } from "../../worker/src/coarse-to-fine.js";
import { hashOf, submission } from "../support/run-results.js";
import { BASE_CONFIG, createSweep, getSweep, lease, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, TEST_TOKEN_SECRET, type WorkerServer } from "../support/worker-server.js";

const LEASE_SECONDS = 1.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const leaseFrom = (api: WorkerServer, sweep: string, v: Volunteer, backends?: string) =>
  api.request("POST", `/api/leases?sweep=${sweep}${backends === undefined ? "" : `&backends=${backends}`}`, { token: v.token });
const progress = (api: WorkerServer, leaseId: string, v: Volunteer, step = 10) => api.request("POST", `/api/leases/${leaseId}/progress`, { token: v.token, body: { step } });
const submit = (api: WorkerServer, l: { id: string; config: any }, v: Volunteer, hash = "A") =>
  api.request("POST", `/api/leases/${l.id}/result`, { token: v.token, body: submission(l.config, { paramsHash: hashOf(hash) }) });

describe("leasing from an empty pool (no sweep filter)", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker();
  }, 90_000);
  afterAll(() => api?.close());

  it("100 concurrent requests for one unit with quorum 2 give exactly 2 leases and 98 × 204", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const volunteers = await registerVolunteers(api, 100);
    const responses = await Promise.all(volunteers.map((v) => lease(api, v)));
    const granted = responses.filter((r) => r.status === 201);
    expect(granted).toHaveLength(2);
    expect(responses.filter((r) => r.status === 204)).toHaveLength(98);
    const [unit] = await unitsOf(api, sweep);
    expect(granted.map((r) => r.body.lease.unitId)).toEqual([unit.id, unit.id]);
    expect(unit.leases).toHaveLength(2);
    expect(new Set(unit.leases.map((l: any) => l.clientId)).size).toBe(2);
    expect((await getSweep(api, sweep)).counts).toEqual({ pending: 0, leased: 1, awaitingQuorum: 0, validated: 0, failed: 0 });
  });

  it("gives units one replica short of their quorum first, then the oldest", async () => {
    const older = await createSweep(api, { name: "older", quorum: 2 });
    const newer = await createSweep(api, { name: "newer", quorum: 2 });
    const [a, b, c, d, e] = await registerVolunteers(api, 5);
    const [olderUnit] = await unitsOf(api, older);
    const [newerUnit] = await unitsOf(api, newer);
    expect((await leaseFrom(api, newer, a)).body.lease.unitId).toBe(newerUnit.id); // the newer unit is now one short
    expect((await lease(api, b)).body.lease.unitId).toBe(newerUnit.id);
    expect((await lease(api, c)).body.lease.unitId).toBe(olderUnit.id);
    expect((await lease(api, d)).body.lease.unitId).toBe(olderUnit.id);
    expect((await lease(api, e)).status).toBe(204);
  });
});

describe("leases", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker();
  }, 90_000);
  afterAll(() => api?.close());

  it("answers the unit's config with a deadline the heartbeat timeout (two minutes) ahead, oldest unit first", async () => {
    const sweep = await createSweep(api, { seeds: [5, 6], quorum: 1 });
    const [a, b, c] = await registerVolunteers(api, 3);
    const units = await unitsOf(api, sweep);
    const before = Date.now();
    const first = await leaseFrom(api, sweep, a);
    expect(first.status).toBe(201);
    expect(first.body.lease).toMatchObject({ unitId: units[0].id, config: units[0].config, backend: "wasm-simd" });
    expect(first.body.lease.deadline).toBeGreaterThanOrEqual(before + 120_000 - 1000);
    expect(first.body.lease.deadline).toBeLessThanOrEqual(Date.now() + 120_000);
    // The volunteer protocol's heartbeat fits four times into it: three in a row may be lost.
    expect(DEFAULT_TIMING.heartbeatMs * 4).toBeLessThanOrEqual(first.body.lease.deadline - before);
    expect((await leaseFrom(api, sweep, b)).body.lease.unitId).toBe(units[1].id);
    expect((await leaseFrom(api, sweep, c)).status).toBe(204);
  });

  it("hands a 2-D sweep's units out coarse to fine, seeds interleaved", async () => {
    const axes = [
      { path: "optimizer.weightDecay", values: [0, 0.25, 0.5, 0.75, 1] },
      { path: "task.trainFraction", values: [0.3, 0.5, 0.7] },
    ];
    const seeds = [7, 8];
    const sweep = await createSweep(api, { axes, seeds, quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const byId = new Map((await unitsOf(api, sweep)).map((u) => [u.id, u]));
    const order: string[] = [];
    // One client leases them all, one at a time: each result (quorum 1) frees its slot under the client's cap.
    for (let leased = await leaseFrom(api, sweep, a); leased.status === 201; leased = await leaseFrom(api, sweep, a)) {
      const unit = byId.get(leased.body.lease.unitId);
      order.push(`${axes.map((axis, i) => axis.values.indexOf(unit.cell[i])).join(",")}/${seeds.indexOf(unit.seed)}`);
      expect((await submit(api, leased.body.lease, a)).status).toBe(201);
    }
    // The rule's own ranks (coarse-to-fine.test.ts checks them against the order written out by hand), unit by unit
    // in creation order: cell = unit ÷ seeds, the last axis fastest.
    const expected: string[] = [];
    coarseToFineRanks([5, 3], 2).forEach((rank, unit) => (expected[rank] = `${Math.floor(unit / 2 / 3)},${Math.floor(unit / 2) % 3}/${unit % 2}`));
    expect(order).toEqual(expected);
  });

  it("never gives a client a unit it has leased or computed", async () => {
    const sweep = await createSweep(api, { quorum: 3 });
    const [a, b, c] = await registerVolunteers(api, 3);
    const leasedByA = (await leaseFrom(api, sweep, a)).body.lease;
    expect((await leaseFrom(api, sweep, a)).status).toBe(204); // already holds it
    expect((await submit(api, leasedByA, a)).status).toBe(201);
    expect((await leaseFrom(api, sweep, a)).status).toBe(204); // already computed it
    expect((await leaseFrom(api, sweep, b)).status).toBe(201);
    expect((await leaseFrom(api, sweep, c)).status).toBe(201);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.leases.map((l: any) => l.clientId).sort()).toEqual([a.clientId, b.clientId, c.clientId].sort());
  });

  it("progress extends the deadline and stores the step and metrics", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    await sleep(20);
    const metrics = { step: 20, trainLoss: 0.5, trainAccuracy: 0.8, testLoss: 2, testAccuracy: 0.1, weightNorm: 12, embeddingNorm: 5, otherNorm: 11 };
    const { status, body } = await api.request("POST", `/api/leases/${granted.id}/progress`, { token: a.token, body: { step: 20, metrics } });
    expect(status).toBe(200);
    expect(body.stop).toBe(false);
    expect(body.deadline).toBeGreaterThan(granted.deadline);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.leases[0]).toMatchObject({ status: "live", deadline: body.deadline, progressStep: 20, progress: metrics });
  });

  it("progress renews the lease only when its step advances: the same step again does not (step_not_advanced), an earlier one is refused (409)", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    const metrics = (step: number, testAccuracy: number) => ({ step, trainLoss: 0.5, trainAccuracy: 0.8, testLoss: 2, testAccuracy, weightNorm: 12, embeddingNorm: 5, otherNorm: 11 });
    const renewed = await api.request("POST", `/api/leases/${granted.id}/progress`, { token: a.token, body: { step: 20, metrics: metrics(20, 0.1) } });
    expect(renewed.body).toEqual({ stop: false, deadline: expect.any(Number) });
    await sleep(20);
    // A repeated step (a heartbeat before the run moved on, a retried report): no new deadline; its metrics are kept.
    const repeated = await api.request("POST", `/api/leases/${granted.id}/progress`, { token: a.token, body: { step: 20, metrics: metrics(20, 0.2) } });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toEqual({ stop: false, reason: "step_not_advanced" });
    expect((await unitsOf(api, sweep))[0].leases[0]).toMatchObject({ deadline: renewed.body.deadline, progressStep: 20, progress: metrics(20, 0.2) });
    const backwards = await progress(api, granted.id, a, 19);
    expect(backwards.status).toBe(409);
    expect(backwards.body.error).toMatchObject({ code: "step_backwards", issues: [{ path: "step", message: "must be at least 20, the last reported step" }] });
    expect(backwards.body.error.message).toBe("step 19 is before this lease's last reported step 20: progress never goes backwards");
    expect((await unitsOf(api, sweep))[0].leases[0]).toMatchObject({ deadline: renewed.body.deadline, progressStep: 20, progress: metrics(20, 0.2) });
    const advanced = await progress(api, granted.id, a, 21);
    expect(advanced.body.stop).toBe(false);
    expect(advanced.body.deadline).toBeGreaterThan(renewed.body.deadline);
  });

  it("progress may reach the run's last step, not beyond it (400, nothing stored)", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    const beyond = await progress(api, granted.id, a, BASE_CONFIG.steps + 1);
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toMatchObject({ code: "invalid_body", issues: [{ path: "step" }] });
    expect(beyond.body.error.message).toContain(`must not exceed the unit's ${BASE_CONFIG.steps} steps`);
    expect((await unitsOf(api, sweep))[0].leases[0]).toMatchObject({ progressStep: null, deadline: granted.deadline });
    expect((await progress(api, granted.id, a, BASE_CONFIG.steps)).body.stop).toBe(false);
  });

  it("racing requests with one Idempotency-Key lease once, under a cap that would allow more", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1, 2, 3], quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const keyed = async () => {
      const response = await fetch(`${api.origin}/api/leases?sweep=${sweep}`, { method: "POST", headers: { authorization: `Bearer ${a.token}`, "idempotency-key": "one-attempt" } });
      return { status: response.status, body: await response.json() };
    };
    const responses = await Promise.all(Array.from({ length: 8 }, keyed));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(responses.map((r) => r.body.lease.id)).size).toBe(1);
    expect((await unitsOf(api, sweep)).flatMap((u) => u.leases)).toHaveLength(1);
  });

  it("answers a lease request for an unknown sweep with 404 (not 204, no work)", async () => {
    const [a] = await registerVolunteers(api, 1);
    const { status, body } = await leaseFrom(api, "no-such-sweep", a);
    expect(status).toBe(404);
    expect(body.error.code).toBe("sweep_not_found");
  });

  it("reports a bad query string as invalid_query naming the parameter", async () => {
    const [a] = await registerVolunteers(api, 1);
    const { status, body } = await api.request("POST", "/api/leases?sweeps=typo", { token: a.token });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_query");
    expect(body.error.message).toMatch(/^invalid query: /);
    expect(body.error.message).toContain("sweeps");
  });

  it("a result that stopped early may report fewer steps than configured", async () => {
    const sweep = await createSweep(api, { quorum: 1, baseConfig: { ...BASE_CONFIG, earlyStopTestAccuracy: 0.99 } });
    const [a] = await registerVolunteers(api, 1);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    const stopped = await api.request("POST", `/api/leases/${granted.id}/result`, { token: a.token, body: submission(granted.config, { stoppedAt: 30 }) });
    expect(stopped.status).toBe(201);
    expect(stopped.body.result.unit.status).toBe("validated");
  });

  it("progress on a completed lease says stop", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    expect((await submit(api, granted, a)).body.result.unit.status).toBe("validated");
    const { status, body } = await progress(api, granted.id, a);
    expect(status).toBe(200);
    expect(body.stop).toBe(true);
  });

  describe("bad input: a 4xx JSON error saying what was wrong, nothing stored", () => {
    let sweep: string;
    let a: Volunteer, b: Volunteer;
    let held: { id: string; unitId: string; deadline: number; config: any };
    const postResult = (init: { body?: unknown; rawBody?: string; token?: string }, leaseId = held.id) => api.request("POST", `/api/leases/${leaseId}/result`, { token: a.token, ...init });
    const nothingStored = async () => {
      const [unit] = await unitsOf(api, sweep);
      expect(unit.results).toEqual([]);
      expect(unit.leases).toHaveLength(1);
      expect(unit.leases[0]).toMatchObject({ id: held.id, status: "live", deadline: held.deadline, progressStep: null, progress: null });
    };

    beforeAll(async () => {
      sweep = await createSweep(api, { quorum: 1 });
      [a, b] = await registerVolunteers(api, 2);
      held = (await leaseFrom(api, sweep, a)).body.lease;
    });

    it("malformed JSON", async () => {
      const { status, body } = await postResult({ rawBody: '{"result": {' });
      expect(status).toBe(400);
      expect(body.error.code).toBe("malformed_json");
      await nothingStored();
    });

    it("a schema violation names the field", async () => {
      const bad = submission(held.config);
      (bad.result.summary as any).paramsHash = "not-a-hash";
      const { status, body } = await postResult({ body: bad });
      expect(status).toBe(400);
      expect(body.error.code).toBe("invalid_body");
      expect(body.error.issues.map((i: any) => i.path)).toEqual(["result.summary.paramsHash"]);
      expect(body.error.message).toContain("result.summary.paramsHash");
      await nothingStored();
    });

    it("Infinity in progress metrics (1e999 in the JSON)", async () => {
      const rawBody = '{"step": 10, "metrics": {"step": 10, "trainLoss": 1e999, "trainAccuracy": 0.5, "testLoss": 1, "testAccuracy": 0.1, "weightNorm": 1, "embeddingNorm": 1, "otherNorm": 1}}';
      const { status, body } = await api.request("POST", `/api/leases/${held.id}/progress`, { token: a.token, rawBody });
      expect(status).toBe(400);
      expect(body.error.issues[0].path).toBe("metrics.trainLoss");
      expect(body.error.message).toMatch(/Infinity/);
      await nothingStored();
    });

    it("Infinity in a result's curves", async () => {
      const rawBody = JSON.stringify(submission(held.config)).replace(/"testLoss":[^,]+/, '"testLoss":1e999');
      const { status, body } = await postResult({ rawBody });
      expect(status).toBe(400);
      expect(body.error.issues[0].path).toBe("result.curves[0].testLoss");
      await nothingStored();
    });

    it("a literal NaN in the JSON (progress and result)", async () => {
      const progressed = await api.request("POST", `/api/leases/${held.id}/progress`, { token: a.token, rawBody: '{"step": NaN}' });
      expect(progressed.status).toBe(400);
      expect(progressed.body.error.code).toBe("malformed_json");
      const rawBody = JSON.stringify(submission(held.config)).replace(/"trainLoss":[^,]+/, '"trainLoss":NaN');
      const posted = await postResult({ rawBody });
      expect(posted.status).toBe(400);
      expect(posted.body.error.code).toBe("malformed_json");
      await nothingStored();
    });

    // Results whose numbers disagree with their config or with each other: stats and aggregates would trust them.
    const last = (r: RunResult) => r.curves[r.curves.length - 1];
    const endAt = (r: RunResult, step: number) => {
      r.summary.stepsRun = step;
      last(r).step = step;
      r.summary.final.step = step;
    };
    for (const [label, tamper, field] of [
      ["more steps than the config's", (r) => endAt(r, r.config.steps + 1), "result.summary.stepsRun"],
      ["fewer steps without stopping early", (r) => endAt(r, r.config.steps - 10), "result.summary.stepsRun"],
      ["curves not starting at step 0", (r) => (r.curves[0].step = 1), "result.curves[0].step"],
      ["curves whose steps do not increase", (r) => (r.curves[1].step = 0), "result.curves[1].step"],
      ["a last curve point before stepsRun", (r) => {
        last(r).step = r.config.steps - 1;
        r.summary.final.step = r.config.steps - 1;
      }, `result.curves[${BASE_CONFIG.steps / BASE_CONFIG.evalInterval}].step`],
      ["a summary.final other than the last curve point", (r) => (r.summary.final.testAccuracy = 0.5), "result.summary.final.testAccuracy"],
      ["a parameter count other than the config's model has", (r) => (r.summary.parameterCount += 1), "result.summary.parameterCount"],
    ] as [string, (r: RunResult) => void, string][]) {
      it(`an inconsistent result: ${label}`, async () => {
        const body = submission(held.config);
        tamper(body.result);
        const { status, body: reply } = await postResult({ body });
        expect(status).toBe(400);
        expect(reply.error.code).toBe("inconsistent_result");
        expect(reply.error.issues.map((i: any) => i.path)).toEqual([field]);
        expect(reply.error.message).toContain(field);
        await nothingStored();
      });
    }

    it("a body over the size limit", async () => {
      const big = submission(held.config);
      big.result.meta.note = "x".repeat(2 << 20);
      const { status, body } = await postResult({ body: big });
      expect(status).toBe(413);
      expect(body.error.code).toBe("body_too_large");
      await nothingStored();
    });

    it("a config other than the leased unit's", async () => {
      const other = { ...held.config, optimizer: { ...held.config.optimizer, lr: 0.5 } };
      const { status, body } = await postResult({ body: submission(other) });
      expect(status).toBe(400);
      expect(body.error.code).toBe("config_mismatch");
      expect(body.error.issues[0].path).toBe("result.config.optimizer.lr");
      await nothingStored();
    });

    it("an unknown lease (404)", async () => {
      const result = await postResult({ body: submission(held.config) }, "no-such-lease");
      expect(result.status).toBe(404);
      expect(result.body.error.code).toBe("lease_not_found");
      const prog = await api.request("POST", "/api/leases/no-such-lease/progress", { token: a.token, body: { step: 1 } });
      expect(prog.status).toBe(404);
      await nothingStored();
    });

    it("another client's lease (403)", async () => {
      const result = await postResult({ body: submission(held.config), token: b.token });
      expect(result.status).toBe(403);
      expect(result.body.error.code).toBe("not_your_lease");
      const prog = await api.request("POST", `/api/leases/${held.id}/progress`, { token: b.token, body: { step: 1 } });
      expect(prog.status).toBe(403);
      await nothingStored();
    });

    it("a forged client token (401)", async () => {
      const forged = `${a.clientId}.${"0".repeat(64)}`;
      for (const token of [forged, `${b.clientId}.${a.token.split(".")[1]}`, "garbage"]) {
        const leased = await api.request("POST", `/api/leases?sweep=${sweep}`, { token });
        expect(leased.status).toBe(401);
        expect(leased.body.error.code).toBe("bad_client_token");
      }
      const result = await postResult({ body: submission(held.config), token: forged });
      expect(result.status).toBe(401);
      await nothingStored();
    });

    it("a correctly signed token of a client this server never registered (401)", async () => {
      const stranger = randomUUID();
      const payload = `v1.${stranger}.${Date.now() + 3_600_000}`;
      const token = `${payload}.${createHmac("sha256", TEST_TOKEN_SECRET).update(payload).digest("hex")}`;
      const leased = await api.request("POST", `/api/leases?sweep=${sweep}`, { token });
      expect(leased.status).toBe(401);
      expect(leased.body.error.code).toBe("unknown_client");
      expect(leased.body.error.message).toContain(stranger);
      const result = await postResult({ body: submission(held.config), token });
      expect(result.status).toBe(401);
      expect(result.body.error.code).toBe("unknown_client");
      await nothingStored();
    });

    it("a missing client token (401)", async () => {
      const leased = await api.request("POST", `/api/leases?sweep=${sweep}`);
      expect(leased.status).toBe(401);
      expect(leased.body.error.code).toBe("missing_client_token");
      const result = await api.request("POST", `/api/leases/${held.id}/result`, { body: submission(held.config) });
      expect(result.status).toBe(401);
      await nothingStored();
    });
  });
});

describe("lease expiry (leases of 1.5 s)", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker({ leaseSeconds: LEASE_SECONDS });
  }, 90_000);
  afterAll(() => api?.close());

  it("returns an expired lease's unit to the pool", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a, b] = await registerVolunteers(api, 2);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    expect((await leaseFrom(api, sweep, b)).status).toBe(204);
    expect((await getSweep(api, sweep)).counts.leased).toBe(1);
    await sleep(LEASE_SECONDS * 1000 + 100);
    expect((await getSweep(api, sweep)).counts).toMatchObject({ pending: 1, leased: 0 });
    const again = await leaseFrom(api, sweep, b);
    expect(again.status).toBe(201);
    expect(again.body.lease.unitId).toBe(granted.unitId);
    expect((await leaseFrom(api, sweep, a)).status).toBe(204); // a leased it before
    const [unit] = await unitsOf(api, sweep);
    expect(unit.leases.map((l: any) => [l.clientId, l.status])).toEqual([
      [a.clientId, "expired"],
      [b.clientId, "live"],
    ]);
  });

  it("progress keeps a lease alive past its first deadline; an expired one is told to stop", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a, b] = await registerVolunteers(api, 2);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    for (let i = 0; i < 3; i++) {
      await sleep(800);
      const { body } = await progress(api, granted.id, a, i);
      expect(body.stop).toBe(false);
    }
    expect(Date.now()).toBeGreaterThan(granted.deadline);
    expect((await leaseFrom(api, sweep, b)).status).toBe(204); // still a's
    await sleep(LEASE_SECONDS * 1000 + 100);
    const late = await progress(api, granted.id, a);
    expect(late.body).toEqual({ stop: true, reason: "lease_expired" });
  });

  it("an Idempotency-Key whose lease expired is spent: 409, and no second lease", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1], quorum: 1 });
    const [a] = await registerVolunteers(api, 1);
    const keyed = async () => {
      const response = await fetch(`${api.origin}/api/leases?sweep=${sweep}`, { method: "POST", headers: { authorization: `Bearer ${a.token}`, "idempotency-key": "attempt-1" } });
      return { status: response.status, body: await response.json() };
    };
    const first = await keyed();
    expect(first.status).toBe(201);
    await sleep(LEASE_SECONDS * 1000 + 100);
    const again = await keyed();
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("idempotency_key_spent");
    expect(again.body.error.message).toBe(`Idempotency-Key "attempt-1" named lease "${first.body.lease.id}", now expired: send a fresh key to ask for another unit`);
    expect((await unitsOf(api, sweep)).map((u) => u.leases.length)).toEqual([1, 0]);
  });

  it("repeating a step does not keep a lease alive: it expires and its unit is reissued", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a, b] = await registerVolunteers(api, 2);
    const granted = (await leaseFrom(api, sweep, a)).body.lease;
    expect((await progress(api, granted.id, a, 5)).body.stop).toBe(false);
    const started = Date.now();
    while (Date.now() - started < LEASE_SECONDS * 1000 + 300) {
      const { body } = await progress(api, granted.id, a, 5);
      if (body.stop) break;
      expect(body).toEqual({ stop: false, reason: "step_not_advanced" });
      await sleep(300);
    }
    expect((await progress(api, granted.id, a, 5)).body).toEqual({ stop: true, reason: "lease_expired" });
    const reissued = await leaseFrom(api, sweep, b);
    expect(reissued.status).toBe(201);
    expect(reissued.body.lease.unitId).toBe(granted.unitId);
  });

  it("tells a volunteer whose lease expired to stop once the unit is validated, and refuses its result (409)", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a, b, c, d] = await registerVolunteers(api, 4);
    const slow = (await leaseFrom(api, sweep, a)).body.lease;
    await leaseFrom(api, sweep, b);
    await sleep(LEASE_SECONDS * 1000 + 100);
    const leaseC = (await leaseFrom(api, sweep, c)).body.lease;
    const leaseD = (await leaseFrom(api, sweep, d)).body.lease;
    expect((await submit(api, leaseC, c)).status).toBe(201);
    expect((await submit(api, leaseD, d)).body.result.unit.status).toBe("validated");
    expect((await progress(api, slow.id, a)).body).toEqual({ stop: true, reason: "unit_validated" });
    const late = await submit(api, slow, a);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("too_late");
    expect(late.body.error.message).toMatch(/too late/);
    expect((await getSweep(api, sweep)).results.valid).toBe(2);
    expect((await unitsOf(api, sweep))[0].results).toHaveLength(2);
  });

  it("refuses a late result (409) when others hold the unit's replicas, nothing stored", async () => {
    const sweep = await createSweep(api, { quorum: 1 });
    const [a, b] = await registerVolunteers(api, 2);
    const expired = (await leaseFrom(api, sweep, a)).body.lease;
    await sleep(LEASE_SECONDS * 1000 + 100);
    expect((await leaseFrom(api, sweep, b)).status).toBe(201);
    const late = await submit(api, expired, a);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("too_late");
    const [unit] = await unitsOf(api, sweep);
    expect(unit.results).toEqual([]);
    expect(unit.leases.map((l: any) => l.status)).toEqual(["expired", "live"]);
  });

  it("accepts a late GPU result while its unit has a GPU slot open, validated or not; decides it at once", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1 });
    const [gpu, wasm] = await registerVolunteers(api, 2);
    const expired = (await leaseFrom(api, sweep, gpu, "tfjs-webgpu")).body.lease;
    const replica = (await leaseFrom(api, sweep, wasm)).body.lease;
    expect((await submit(api, replica, wasm)).body.result.unit.status).toBe("validated");
    await sleep(LEASE_SECONDS * 1000 + 100);
    const late = await api.request("POST", `/api/leases/${expired.id}/result`, { token: gpu.token, body: submission(expired.config, { backend: "tfjs-webgpu" }) });
    expect(late.status).toBe(201);
    expect(late.body.result).toMatchObject({ status: "approximate-accepted", unit: { status: "validated" } });
  });

  it("refuses a late GPU result (409) once another GPU client holds the slot", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1 });
    const [gpu, other] = await registerVolunteers(api, 2);
    const expired = (await leaseFrom(api, sweep, gpu, "tfjs-webgpu")).body.lease;
    await sleep(LEASE_SECONDS * 1000 + 100);
    expect((await leaseFrom(api, sweep, other, "tfjs-webgpu")).body.lease.backend).toBe("tfjs-webgpu");
    const late = await api.request("POST", `/api/leases/${expired.id}/result`, { token: gpu.token, body: submission(expired.config, { backend: "tfjs-webgpu" }) });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain("other volunteers have taken its remaining replicas");
    expect((await unitsOf(api, sweep))[0].results).toEqual([]);
  });

  it("accepts a late result while the unit still needs replicas", async () => {
    const sweep = await createSweep(api, { quorum: 2 });
    const [a] = await registerVolunteers(api, 1);
    const expired = (await leaseFrom(api, sweep, a)).body.lease;
    await sleep(LEASE_SECONDS * 1000 + 100);
    const late = await submit(api, expired, a);
    expect(late.status).toBe(201);
    expect(late.body.result).toMatchObject({ status: "pending", unit: { status: "pending" } });
    expect((await getSweep(api, sweep)).counts.awaitingQuorum).toBe(1);
  });
});
