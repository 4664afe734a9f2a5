/**
 * The typed client researchers use (worker/src/client.ts, hono/client) against the real API.
 * Type-checked with the worker's tsconfig (it needs the Workers types of the app it describes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../worker/src/client.js";
import { TEST_ADMIN_TOKEN, startWorker, type WorkerServer } from "../support/worker-server.js";

let server: WorkerServer;
beforeAll(async () => {
  server = await startWorker();
}, 90_000);
afterAll(() => server?.close());

describe("createApiClient", () => {
  it("registers, creates a sweep and reads it back through typed calls", async () => {
    const api = createApiClient(server.origin);
    const registered = await api.api.clients.$post({ json: { simd: true, threads: false, cores: 2, webgpu: false, userAgent: "typed client" } });
    expect(registered.status).toBe(201);
    const { token } = await registered.json();
    expect(token).toMatch(/\.[0-9a-f]{64}$/);

    const admin = createApiClient(server.origin, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const baseConfig = {
      version: 1,
      task: { kind: "modular", p: 13, op: "add", trainFraction: 0.5 },
      model: { kind: "mlp", input: "onehot", hidden: [8] },
      optimizer: { kind: "adamw", lr: 1e-2 },
      steps: 10,
      evalInterval: 5,
      seed: 0,
    };
    const created = await admin.api.sweeps.$post({ json: { name: "typed", baseConfig, seeds: [0, 1], axes: [], quorum: 2, phase: { trainAccuracy: 0.99, testAccuracy: 0.99, grokkingDelay: 100 } } });
    expect(created.status).toBe(201);
    const listed = await api.api.sweeps.$get();
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).toContain('"name":"typed"');
  });
});
