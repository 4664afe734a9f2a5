/**
 * Tests that need the Worker's own code and types, type-checked with the worker's tsconfig (root
 * tsconfig.json has no Workers types): the typed client researchers use (worker/src/client.ts,
 * hono/client) against the real API, and the app's route table against its OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../worker/src/client.js";
import { app } from "../../worker/src/index.js";
import { submission } from "../support/run-results.js";
import { TEST_ADMIN_TOKEN, startWorker, type WorkerServer } from "../support/worker-server.js";

let server: WorkerServer;
beforeAll(async () => {
  server = await startWorker();
}, 90_000);
afterAll(() => server?.close());

const baseConfig = {
  version: 1,
  task: { kind: "modular", p: 13, op: "add", trainFraction: 0.5 },
  model: { kind: "mlp", input: "onehot", hidden: [8] },
  optimizer: { kind: "adamw", lr: 1e-2 },
  steps: 10,
  evalInterval: 5,
  seed: 0,
};

describe("createApiClient", () => {
  const api = () => createApiClient(server.origin);
  const admin = () => createApiClient(server.origin, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });

  async function register() {
    const registered = await api().api.clients.$post({ json: { simd: true, threads: false, cores: 2, webgpu: false, userAgent: "typed client" } });
    if (registered.status !== 201) throw new Error(`registration failed: ${registered.status}`);
    return registered.json();
  }

  async function createSweep(name: string, quorum: number) {
    const created = await admin().api.sweeps.$post({ json: { name, baseConfig, seeds: [0], axes: [], quorum, phase: { trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 100 } } });
    if (created.status !== 201) throw new Error(`sweep creation failed: ${created.status}`);
    return (await created.json()).sweep.id;
  }

  it("registers, creates a sweep and reads it back through typed calls", async () => {
    const { token } = await register();
    expect(token).toMatch(/\.[0-9a-f]{64}$/);
    const id = await createSweep("typed", 2);
    const listed = await api().api.sweeps.$get();
    expect(listed.status).toBe(200);
    expect((await listed.json()).sweeps.map((s) => s.name)).toContain("typed");
    const one = await api().api.sweeps[":id"].$get({ param: { id } });
    expect(one.status).toBe(200);
    if (one.status === 200) expect((await one.json()).sweep).toMatchObject({ id, quorum: 2, counts: { pending: 1 } });
  });

  it("leases, reports progress and the result, then reads units, curves, aggregates and stats", async () => {
    const { token } = await register();
    const volunteer = createApiClient(server.origin, { headers: { authorization: `Bearer ${token}` } });
    const id = await createSweep("typed run", 1);

    const leased = await volunteer.api.leases.$post({ query: { sweep: id } });
    if (leased.status !== 201) throw new Error(`no lease: ${leased.status}`);
    const { lease } = await leased.json();
    expect(lease.config.steps).toBe(10);
    expect(lease.backend).toBe("wasm-simd");

    const progressed = await volunteer.api.leases[":id"].progress.$post({ param: { id: lease.id }, json: { step: 5 } });
    expect(progressed.status).toBe(200);
    if (progressed.status === 200) expect((await progressed.json()).stop).toBe(false);

    const reported = await volunteer.api.leases[":id"].result.$post({ param: { id: lease.id }, json: submission(lease.config) });
    if (reported.status !== 201) throw new Error(`result refused: ${reported.status}`);
    expect((await reported.json()).result).toMatchObject({ status: "valid", unit: { id: lease.unitId, status: "validated" } });

    const units = await api().api.sweeps[":id"].units.$get({ param: { id }, query: { limit: "10" } });
    if (units.status !== 200) throw new Error(`units: ${units.status}`);
    expect((await units.json()).units.map((u) => u.status)).toEqual(["validated"]);

    const curves = await api().api.units[":id"].curves.$get({ param: { id: lease.unitId } });
    expect(curves.status).toBe(200);
    if (curves.status === 200) expect((await curves.json()).curves.map((p) => p.step)).toEqual([0, 5, 10]);

    const aggregates = await api().api.sweeps[":id"].aggregates.$get({ param: { id }, query: { format: "json" } });
    expect(aggregates.status).toBe(200);
    if (aggregates.status === 200) expect((await aggregates.json()).cells.map((c) => c.validated)).toEqual([1]);

    const runs = await api().api.sweeps[":id"].runs.$get({ param: { id }, query: { include: "approximate" } });
    expect(runs.status).toBe(200);
    if (runs.status === 200) expect((await runs.json()).runs.map((r) => [r.unitId, r.status, r.backend])).toEqual([[lease.unitId, "valid", "wasm-simd"]]);

    const mine = await volunteer.api.clients.me.results.$get();
    expect(mine.status).toBe(200);
    if (mine.status === 200) expect((await mine.json()).results.map((r) => [r.unitId, r.status, r.unitStatus])).toEqual([[lease.unitId, "valid", "validated"]]);

    const stats = await api().api.stats.$get();
    expect((await stats.json()).unitsValidated).toBe(1);
  });
});

describe("the OpenAPI document", () => {
  type Parameter = { name: string; in: string };
  const parametersOf = (x: unknown) => (x as { parameters?: Parameter[] }).parameters ?? [];

  it("has every route of the app, and declares every {param} of its paths", async () => {
    const document = (await (await fetch(`${server.origin}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    // Middleware is registered for method ALL; every other entry is a route.
    const routes = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`));
    expect(routes.size).toBeGreaterThan(10);
    for (const route of routes) {
      const [method, path] = route.split(" ");
      expect(document.paths[path]?.[method], route).toBeDefined();
    }
    for (const [path, item] of Object.entries(document.paths)) {
      const operations = Object.entries(item).filter(([key]) => key !== "parameters");
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        for (const [method, operation] of operations) {
          const declared = [...parametersOf(item), ...parametersOf(operation)];
          expect(declared.some((p) => p.in === "path" && p.name === name), `${method} ${path}: {${name}}`).toBe(true);
        }
      }
    }
  });
});
