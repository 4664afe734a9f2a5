// GPU runs beside the quorum, against wrangler dev: the `backends` a client offers, a sweep's
// gpuReplicas, the lease's `backend`, and results that must come from it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashOf, submission, type ResultOptions } from "../support/run-results.js";
import { BASE_CONFIG, createSweep, getSweep, registerVolunteers, unitsOf, type Volunteer } from "../support/sweep-fixtures.js";
import { startWorker, TEST_ADMIN_TOKEN, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

type Lease = { id: string; unitId: string; config: any; backend: string };

/** POST /api/leases offering `backends` (omitted: the API's default), from one sweep or any. */
function leaseFor(v: Volunteer, options: { sweep?: string; backends?: string } = {}) {
  const query = new URLSearchParams();
  if (options.sweep !== undefined) query.set("sweep", options.sweep);
  if (options.backends !== undefined) query.set("backends", options.backends);
  return api.request("POST", `/api/leases?${query}`.replace(/\?$/, ""), { token: v.token });
}

async function granted(v: Volunteer, options: { sweep?: string; backends?: string }): Promise<Lease> {
  const { status, body } = await leaseFor(v, options);
  if (status !== 201) throw new Error(`no lease: ${status} ${JSON.stringify(body)}`);
  return body.lease;
}

function submit(l: Lease, v: Volunteer, options: ResultOptions = {}) {
  return api.request("POST", `/api/leases/${l.id}/result`, { token: v.token, body: submission(l.config, { backend: l.backend as ResultOptions["backend"], paramsHash: hashOf("A"), ...options }) });
}

const GPU = "tfjs-webgpu";
const BOTH = "wasm-simd,tfjs-webgpu";

describe("POST /api/sweeps gpuReplicas", () => {
  it("defaults to 0 and is shown by GET /api/sweeps/:id and the list", async () => {
    const plain = await createSweep(api);
    const gpu = await createSweep(api, { gpuReplicas: 3 });
    expect((await getSweep(api, plain)).gpuReplicas).toBe(0);
    expect((await getSweep(api, gpu)).gpuReplicas).toBe(3);
    const listed = (await api.request("GET", "/api/sweeps")).body.sweeps;
    expect(listed.find((s: any) => s.id === gpu).gpuReplicas).toBe(3);
  });

  it("refuses a value outside 0..3 naming gpuReplicas", async () => {
    for (const gpuReplicas of [4, -1, 1.5, "1"]) {
      const { status, body } = await api.request("POST", "/api/sweeps", { token: TEST_ADMIN_TOKEN, body: { name: "bad", baseConfig: BASE_CONFIG, seeds: [0], gpuReplicas } });
      expect(status).toBe(400);
      expect(body.error.issues.map((i: any) => i.path)).toEqual(["gpuReplicas"]);
    }
  });
});

describe("leasing by backend", () => {
  it("a GPU-only client gets units of sweeps with gpuReplicas > 0 only, leased for tfjs-webgpu", async () => {
    const [gpu] = await registerVolunteers(api, 1);
    // An older sweep without GPU runs would go first to a wasm-simd client; not to this one.
    const plain = await createSweep(api, { name: "no gpu", quorum: 1 });
    const withGpu = await createSweep(api, { name: "gpu", quorum: 1, gpuReplicas: 1, seeds: [0, 1] });
    // Without a sweep filter it takes GPU work until there is none (other tests' sweeps included),
    // reporting each unit before the next (its cap of live leases is 3; a GPU result keeps the GPU slot).
    const leased: Lease[] = [];
    for (let response = await leaseFor(gpu, { backends: GPU }); response.status === 201; response = await leaseFor(gpu, { backends: GPU })) {
      leased.push(response.body.lease);
      expect((await submit(response.body.lease, gpu)).status).toBe(201);
    }
    expect(leased.every((l) => l.backend === GPU)).toBe(true);
    expect(leased.map((l) => l.unitId)).toEqual(expect.arrayContaining((await unitsOf(api, withGpu)).map((u) => u.id)));
    expect((await leaseFor(gpu, { sweep: plain, backends: GPU })).status).toBe(204);
    expect((await unitsOf(api, plain))[0].leases).toEqual([]);
    expect((await unitsOf(api, withGpu)).map((u) => u.leases.map((l: any) => l.backend))).toEqual([[GPU], [GPU]]);
  });

  it("a wasm-simd client (the default) never gets a GPU lease, even when only GPU slots are open", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 2 });
    const [a, b] = await registerVolunteers(api, 2);
    const leased = await granted(a, { sweep });
    expect(leased.backend).toBe("wasm-simd");
    expect((await leaseFor(b, { sweep })).status).toBe(204);
    expect((await leaseFor(b, { sweep, backends: "wasm-simd" })).status).toBe(204);
  });

  it("GPU leases never occupy a quorum slot, and stop at gpuReplicas (live leases and results counted)", async () => {
    const sweep = await createSweep(api, { quorum: 2, gpuReplicas: 2 });
    const [g1, g2, g3, w1, w2, w3] = await registerVolunteers(api, 6);
    const lg1 = await granted(g1, { sweep, backends: GPU });
    await granted(g2, { sweep, backends: GPU });
    expect((await leaseFor(g3, { sweep, backends: GPU })).status).toBe(204);
    expect((await submit(lg1, g1)).body.result).toMatchObject({ status: "pending", unit: { status: "pending" } });
    expect((await leaseFor(g3, { sweep, backends: GPU })).status).toBe(204); // a result takes its slot for good
    // Both quorum slots are still open, and a GPU result counts for none of them.
    expect((await granted(w1, { sweep })).backend).toBe("wasm-simd");
    expect((await granted(w2, { sweep })).backend).toBe("wasm-simd");
    expect((await leaseFor(w3, { sweep })).status).toBe(204);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.countedResults).toBe(0);
    expect(unit.leases.map((l: any) => l.backend).sort()).toEqual([GPU, GPU, "wasm-simd", "wasm-simd"]);
  });

  it("a client offering both backends gets GPU work first, then quorum work", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1, seeds: [0, 1] });
    const [both, other] = await registerVolunteers(api, 2);
    const units = await unitsOf(api, sweep);
    const first = await granted(both, { sweep, backends: BOTH });
    const second = await granted(both, { sweep, backends: "tfjs-webgpu,wasm-simd" });
    expect([first, second].map((l) => [l.unitId, l.backend])).toEqual([
      [units[0].id, GPU],
      [units[1].id, GPU],
    ]);
    // It holds a lease on both units, so their quorum replicas go to others.
    expect((await leaseFor(both, { sweep, backends: BOTH })).status).toBe(204);
    expect((await granted(other, { sweep, backends: BOTH })).backend).toBe("wasm-simd");
  });

  it("a GPU lease does not make its unit leased in the sweep's counts", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1 });
    const [gpu] = await registerVolunteers(api, 1);
    const leased = await granted(gpu, { sweep, backends: GPU });
    expect((await getSweep(api, sweep)).counts).toMatchObject({ pending: 1, leased: 0, awaitingQuorum: 0 });
    await submit(leased, gpu);
    expect((await getSweep(api, sweep)).counts).toMatchObject({ pending: 1, leased: 0, awaitingQuorum: 0 });
    expect((await getSweep(api, sweep)).results.pending).toBe(1);
  });

  it("refuses a bad `backends` with 400 naming it, leasing nothing", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1 });
    const [a] = await registerVolunteers(api, 1);
    for (const backends of ["cuda", "", "wasm-simd,", "wasm-simd, tfjs-webgpu", "tfjs-wasm", "WASM-SIMD"]) {
      const { status, body } = await leaseFor(a, { sweep, backends });
      expect(status, backends).toBe(400);
      expect(body.error.code).toBe("invalid_query");
      expect(body.error.issues.map((i: any) => i.path)).toEqual(["backends"]);
      expect(body.error.message).toContain("wasm-simd, tfjs-webgpu");
    }
    expect((await unitsOf(api, sweep))[0].leases).toEqual([]);
  });
});

describe("GPU results", () => {
  it("must come from the lease's backend: 400 naming result.meta.backend, nothing stored", async () => {
    const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1 });
    const [gpu, wasm] = await registerVolunteers(api, 2);
    const gpuLease = await granted(gpu, { sweep, backends: GPU });
    const wasmLease = await granted(wasm, { sweep });
    for (const [l, v, backend] of [
      [gpuLease, gpu, "wasm-simd"],
      [wasmLease, wasm, GPU],
      [wasmLease, wasm, "tfjs-wasm"],
    ] as const) {
      const { status, body } = await submit(l, v, { backend });
      expect(status).toBe(400);
      expect(body.error.code).toBe("backend_mismatch");
      expect(body.error.issues).toEqual([{ path: "result.meta.backend", message: `must be the lease's backend "${l.backend}", got "${backend}"` }]);
      expect(body.error.message).toContain("result.meta.backend");
    }
    const [unit] = await unitsOf(api, sweep);
    expect(unit.results).toEqual([]);
    expect(unit.leases.map((l: any) => l.status)).toEqual(["live", "live"]);
  });

  for (const [label, options, verdict] of [
    ["within tolerance", { finalTestAccuracy: 0.99, generalizationStep: 30 }, "approximate-accepted"],
    ["far off", { finalTestAccuracy: 0.4, generalizationStep: null }, "approximate-rejected"],
  ] as const) {
    it(`on an already validated unit, one ${label} is decided at once: ${verdict}`, async () => {
      const sweep = await createSweep(api, { quorum: 1, gpuReplicas: 1 });
      const [wasm, gpu] = await registerVolunteers(api, 2);
      expect((await submit(await granted(wasm, { sweep }), wasm)).body.result.unit.status).toBe("validated");
      const gpuLease = await granted(gpu, { sweep, backends: GPU });
      // Progress goes on: the unit is validated, but this run is compared with the validated one.
      const progress = await api.request("POST", `/api/leases/${gpuLease.id}/progress`, { token: gpu.token, body: { step: 10 } });
      expect(progress.body.stop).toBe(false);
      const { status, body } = await submit(gpuLease, gpu, options);
      expect(status).toBe(201);
      expect(body.result).toMatchObject({ status: verdict, unit: { status: "validated" } });
      expect((await unitsOf(api, sweep))[0].results.map((r: any) => [r.backend, r.status])).toEqual([
        ["wasm-simd", "valid"],
        [GPU, verdict],
      ]);
    });
  }

  it("a failed unit takes no GPU lease, and a GPU run under way is told to stop", async () => {
    const sweep = await createSweep(api, { quorum: 2, gpuReplicas: 2 });
    const [gpu, late, ...wasm] = await registerVolunteers(api, 8);
    const gpuLease = await granted(gpu, { sweep, backends: GPU });
    for (const [i, v] of wasm.entries()) await submit(await granted(v, { sweep }), v, { paramsHash: hashOf(`H${i}`) });
    expect((await unitsOf(api, sweep))[0].status).toBe("failed");
    const progress = await api.request("POST", `/api/leases/${gpuLease.id}/progress`, { token: gpu.token, body: { step: 10 } });
    expect(progress.body).toEqual({ stop: true, reason: "unit_failed" });
    expect((await leaseFor(late, { sweep, backends: GPU })).status).toBe(204);
  });
});
