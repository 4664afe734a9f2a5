/** The scheduled trigger (wrangler.toml [triggers]) returns expired leases to the pool even when nobody asks for work. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSweep, lease, registerVolunteers, unitsOf } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker({ leaseSeconds: 1 });
}, 90_000);
afterAll(() => api?.close());

describe("cron", () => {
  it("marks leases past their deadline expired", async () => {
    const sweepId = await createSweep(api, { name: "cron", seeds: [0], quorum: 1 });
    const [volunteer] = await registerVolunteers(api, 1);
    expect((await lease(api, volunteer)).status).toBe(201);
    const leaseStatus = async () => (await unitsOf(api, sweepId))[0].leases[0].status;
    await new Promise((r) => setTimeout(r, 1500));
    // Past its deadline but nobody has asked for work since: only the cron can expire it.
    expect(await leaseStatus()).toBe("live");
    expect((await fetch(`${api.origin}/__scheduled?cron=*/5+*+*+*+*`)).status).toBe(200);
    expect(await leaseStatus()).toBe("expired");
  });
});
