/** Researchers' reads after real volunteer traffic: aggregates (JSON and CSV), one run's curves, stats. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submission } from "../support/run-results.js";
import { createSweep, lease, registerVolunteers, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
let volunteers: Volunteer[];
let sweepId: string;

/** Two volunteers compute every unit (quorum 2); cells at weight decay 1 generalize, at 0 they only memorize. */
beforeAll(async () => {
  api = await startWorker();
  volunteers = await registerVolunteers(api, 3);
  sweepId = await createSweep(api, { name: "aggregates", axes: [{ path: "optimizer.weightDecay", values: [0, 1] }], seeds: [0, 1], quorum: 2 });
  for (const volunteer of volunteers.slice(0, 2)) {
    for (;;) {
      const leased = await lease(api, volunteer);
      if (leased.status === 204) break;
      const { config } = leased.body.lease;
      const generalizes = config.optimizer.weightDecay === 1;
      const body = submission(config, generalizes ? { generalizationStep: 50 } : { finalTestAccuracy: 0.2, generalizationStep: null });
      const posted = await api.request("POST", `/api/leases/${leased.body.lease.id}/result`, { token: volunteer.token, body });
      if (posted.status !== 201) throw new Error(`result refused: ${posted.status} ${JSON.stringify(posted.body)}`);
    }
  }
}, 120_000);
afterAll(() => api?.close());

describe("aggregates", () => {
  it("labels each cell's phase and gives medians over its validated seeds", async () => {
    const { status, body } = await api.request("GET", `/api/sweeps/${sweepId}/aggregates`);
    expect(status).toBe(200);
    expect(body.axes).toEqual(["optimizer.weightDecay"]);
    const byDecay = Object.fromEntries(body.cells.map((c: { cell: number[] }) => [c.cell[0], c]));
    expect(byDecay[0]).toMatchObject({ seeds: 2, validated: 2, phase: "memorization" });
    expect(byDecay[1]).toMatchObject({ seeds: 2, validated: 2, phase: "comprehension" });
    expect(byDecay[1].metrics.generalizationStep).toEqual({ median: 50, min: 50, max: 50, n: 2 });
    expect(byDecay[0].metrics.generalizationStep).toBeNull();
  });

  it("as CSV", async () => {
    const response = await fetch(`${api.origin}/api/sweeps/${sweepId}/aggregates?format=csv`);
    expect(response.headers.get("content-type")).toMatch(/text\/csv/);
    const [header, ...rows] = (await response.text()).trim().split("\n");
    expect(header.startsWith("optimizer.weightDecay,seeds,validated,phase,")).toBe(true);
    expect(rows.sort()).toEqual([expect.stringMatching(/^0,2,2,memorization,/), expect.stringMatching(/^1,2,2,comprehension,/)]);
  });

  it("refuses an unknown format or sweep", async () => {
    const xml = await api.request("GET", `/api/sweeps/${sweepId}/aggregates?format=xml`);
    expect(xml.status).toBe(400);
    expect(xml.body.error).toMatchObject({ code: "invalid_query", issues: [{ path: "format" }] });
    expect((await api.request("GET", `/api/sweeps/nope/aggregates`)).body.error.code).toBe("sweep_not_found");
  });

  it("serves one unit's validated curves", async () => {
    const units = (await api.request("GET", `/api/sweeps/${sweepId}/units`)).body.units;
    const { status, body } = await api.request("GET", `/api/units/${units[0].id}/curves`);
    expect(status).toBe(200);
    expect(body.curves.length).toBeGreaterThan(1);
    expect(body.summary.paramsHash).toMatch(/^[0-9a-f]{64}$/);
    const unknown = await api.request("GET", "/api/units/nope/curves");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("unit_not_found");
  });

  it("counts the contribution: volunteers, validated units, steps, FLOPs, leaderboard", async () => {
    const { body } = await api.request("GET", "/api/stats");
    expect(body.unitsValidated).toBe(4);
    // Registering, leasing and reporting all count as activity: all three are active.
    expect(body.volunteersActive).toBe(3);
    expect(body.trainingSteps).toBe(8 * 50);
    expect(body.flops).toBeGreaterThan(0);
    expect(body.leaderboard.map((e: { clientId: string }) => e.clientId).sort()).toEqual(volunteers.slice(0, 2).map((v) => v.clientId).sort());
    expect(body.leaderboard.every((e: { validatedUnits: number }) => e.validatedUnits === 4)).toBe(true);
  });
});
