/**
 * End to end: two volunteers lease the same units, train them for real with the engine, report, and
 * the API validates every unit by quorum — because the runs are bitwise reproducible, their
 * paramsHashes agree (one volunteer on one thread, the other on a pool of two). A volunteer that
 * reports a different hash (tampered here) is outvoted once a third real run breaks the tie.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultDigest } from "../../src/config/result-digest.js";
import { train } from "../../src/node.js";
import { smallMlpConfig } from "../support/configs.js";
import { createSweep, getSweep, lease, registerVolunteers, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

const base = smallMlpConfig({ steps: 20 });

/** A volunteer's loop: lease, train with the real engine (threads as given), report, until no work. */
async function volunteer(v: Volunteer, threads: number, tamper = false): Promise<number> {
  let done = 0;
  for (;;) {
    const leased = await lease(api, v);
    if (leased.status === 204) return done;
    const { id, config } = leased.body.lease;
    const t0 = performance.now();
    const result = await train(config, { threads });
    // A forged hash with its digest recomputed, as a cheater would (a stale digest is refused as inconsistent).
    if (tamper) {
      result.summary.paramsHash = "f".repeat(64);
      result.summary.resultDigest = await resultDigest(result.summary.paramsHash, result.curves);
    }
    const posted = await api.request("POST", `/api/leases/${id}/result`, { token: v.token, body: { result, timings: { wallSeconds: (performance.now() - t0) / 1000 } } });
    expect(posted.status).toBe(201);
    done++;
  }
}

describe("volunteers computing a sweep", () => {
  it("validates every unit by quorum from real, independent runs (one thread and a pool of two)", async () => {
    const sweepId = await createSweep(api, { name: "e2e", baseConfig: base, axes: [{ path: "optimizer.weightDecay", values: [0.5, 1] }], seeds: [0, 1], quorum: 2 });
    const [a, b, c] = await registerVolunteers(api, 3);
    expect(await volunteer(a, 1)).toBe(4);
    expect(await volunteer(b, 2)).toBe(4);
    const sweep = await getSweep(api, sweepId);
    expect(sweep.counts).toMatchObject({ validated: 4, pending: 0 });
    // Nothing left for a third volunteer.
    expect(await volunteer(c, 1)).toBe(0);
    const aggregates = (await api.request("GET", `/api/sweeps/${sweepId}/aggregates`)).body;
    expect(aggregates.cells.map((cell: { validated: number }) => cell.validated)).toEqual([2, 2]);
  }, 120_000);

  it("outvotes a volunteer whose result disagrees", async () => {
    const sweepId = await createSweep(api, { name: "e2e-disagree", baseConfig: base, seeds: [7], quorum: 2 });
    const [honest, cheat, other] = await registerVolunteers(api, 3);
    expect(await volunteer(cheat, 1, true)).toBe(1);
    expect(await volunteer(honest, 1)).toBe(1);
    // The disagreement asks for one more replica; the third volunteer's real run decides it.
    expect(await volunteer(other, 1)).toBe(1);
    const units = (await api.request("GET", `/api/sweeps/${sweepId}/units`)).body.units;
    expect(units[0].status).toBe("validated");
    const verdicts = units[0].results.map((r: { clientId: string; status: string }) => [r.clientId === cheat.clientId ? "cheat" : "honest", r.status]).sort();
    expect(verdicts).toEqual([["cheat", "invalid"], ["honest", "valid"], ["honest", "valid"]]);
  }, 120_000);
});
