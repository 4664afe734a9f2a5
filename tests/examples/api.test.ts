/**
 * The API examples, installed from the packed package into fresh temp directories
 * (tests/support/packed-tarball.ts):
 * - examples/client type-checks against grokedge/client with Node's types only (no Workers types,
 *   libraries' declarations checked too), tsc rejects misuses of the client, and against a real
 *   `wrangler dev` of this repository's API it creates a sweep and reads its aggregates;
 * - examples/mount mounts grokedge/worker under /lab in an app of its own, on a D1 binding of its own
 *   named otherwise, migrated from the package, under `wrangler dev`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../bench/support/wrangler-dev.js";
import { installExample, removeTarball, type ExampleProject } from "../support/packed-tarball.js";
import { startWorker, TEST_ADMIN_TOKEN, type WorkerServer } from "../support/worker-server.js";

afterAll(removeTarball);

/** Misuses of the client, one per marked line: tsc must reject each, where it is. */
const MISUSES = `import { createApiClient, type AggregatesReply } from "grokedge/client";
const api = createApiClient("http://127.0.0.1:8787");
await api.api.sweeps.$post({ json: { name: 42, baseConfig: {}, seeds: [0] } }); // MISUSE: a number for a string
await api.api.sweeps.$post({ json: { name: "no seeds", baseConfig: {} } }); // MISUSE: a required field left out
await api.api.sweep.$get(); // MISUSE: no such route
await api.api.sweeps[":id"].$get({ param: { sweepId: "x" } }); // MISUSE: a path parameter misnamed
const list = await api.api.sweeps.$get();
if (list.status === 200) console.log((await list.json()).sweeps[0].nmae); // MISUSE: a reply field misspelled
const created = await api.api.sweeps.$post({ json: { name: "x", baseConfig: {}, seeds: [0] } });
if (created.status === 201) console.log((await created.json()).sweep.units.toFixed(0));
if (created.status === 400) console.log((await created.json()).sweep); // MISUSE: an error's body is not the reply's
const cells: AggregatesReply["cells"] = [];
console.log(cells.map((cell) => cell.phase.length)); // MISUSE: the phase may be null
`;

describe("examples/client", () => {
  let project: ExampleProject;
  let server: WorkerServer;
  beforeAll(async () => {
    [project, server] = await Promise.all([installExample("client"), startWorker()]);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await project?.remove();
  });

  it("type-checks with Node's types only, and tsc rejects each misuse of the client where it is", async () => {
    await writeFile(join(project.dir, "misuses.ts"), MISUSES);
    const marked = MISUSES.split("\n").flatMap((line, i) => (line.includes("// MISUSE") ? [i + 1] : []));
    const failure = await project.npmRun("typecheck").then(
      () => "",
      (error: Error) => error.message,
    );
    const errors = [...failure.matchAll(/^(\S+\.ts)\((\d+),\d+\): error (TS\d+)/gm)].map(([, file, line, code]) => ({ file, line: Number(line), code }));
    expect(errors.filter((e) => e.file !== "misuses.ts"), failure).toEqual([]);
    expect([...new Set(errors.map((e) => e.line))].sort((a, b) => a - b), failure).toEqual(marked);
  }, 120_000);

  it("creates a sweep and reads its aggregates on a running API", async () => {
    const { stdout } = await project.npmRun("start", [], { env: { GROKEDGE_API: server.origin, GROKEDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    const id = /^sweep (\S+): 8 units$/m.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    expect(stdout.match(/^optimizer\.weightDecay=\S+ task\.trainFraction=\S+: 0\/2 runs validated, phase not yet known$/gm)).toHaveLength(4);
    const { status, body } = await server.request("GET", `/api/sweeps/${id}`);
    expect(status).toBe(200);
    expect(body.sweep).toMatchObject({ id, name: "weight decay × train fraction", units: 8, counts: { pending: 8 } });
  }, 60_000);
});

describe("examples/mount", () => {
  // At least 32 bytes each: the API refuses shorter secrets.
  const ADMIN_TOKEN = "lab-admin-token-of-at-least-32-bytes";
  let project: ExampleProject;
  let persist: string;
  let dev: WranglerDev;
  beforeAll(async () => {
    project = await installExample("mount");
    persist = await mkdtemp(join(tmpdir(), "grokedge-mount-d1-"));
    // The example's own script: the package's migrations into a local D1 named as in its wrangler.toml.
    await project.npmRun("migrate", ["--persist-to", persist]);
    const vars = [`LAB_ADMIN_TOKEN:${ADMIN_TOKEN}`, "LAB_TOKEN_SECRET:lab-token-secret-of-at-least-32-bytes"];
    dev = await startWranglerDev(["--config", join(project.dir, "wrangler.toml"), "--persist-to", persist, ...vars.flatMap((v) => ["--var", v])]);
  }, 180_000);
  afterAll(async () => {
    await dev?.close();
    if (persist) await rm(persist, { recursive: true, force: true });
    await project?.remove();
  });

  const call = async (method: string, path: string, { token, body }: { token?: string; body?: unknown } = {}) => {
    const response = await fetch(dev.origin + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };

  it("serves its own routes beside the API mounted under /lab", async () => {
    expect(await call("GET", "/")).toMatchObject({ status: 200, text: "my app; the grokedge lab is under /lab/api" });
    // Only under /lab: the host app answers anything else.
    expect((await call("GET", "/api/sweeps")).status).toBe(404);
    const openapi = await call("GET", "/lab/api/openapi.json");
    expect(openapi.status).toBe(200);
    expect(openapi.json().openapi).toBe("3.1.0");
  });

  it("runs the API on the app's own D1 binding and secrets", async () => {
    const sweep = { name: "mounted", baseConfig: { version: 1, task: { kind: "modular", p: 13, op: "add", trainFraction: 0.5 }, model: { kind: "mlp", input: "onehot", hidden: [8] }, optimizer: { kind: "adamw", lr: 0.01 }, steps: 10 }, seeds: [0, 1], quorum: 1 };
    expect((await call("POST", "/lab/api/sweeps", { body: sweep, token: "wrong" })).status).toBe(403);
    const created = await call("POST", "/lab/api/sweeps", { body: sweep, token: ADMIN_TOKEN });
    expect(created.status, created.text).toBe(201);
    const { id } = created.json().sweep;
    const registered = await call("POST", "/lab/api/clients", { body: { simd: true, threads: false, cores: 2, webgpu: false, userAgent: "mount example test" } });
    expect(registered.status, registered.text).toBe(201);
    const leased = await call("POST", `/lab/api/leases?sweep=${id}`, { token: registered.json().token });
    expect(leased.status, leased.text).toBe(201);
    // The app's leaseSeconds option, not the 600 s default.
    const { deadline } = leased.json().lease;
    expect(deadline - Date.now()).toBeGreaterThan(250_000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(300_000);
    const listed = await call("GET", "/lab/api/sweeps");
    expect(listed.json().sweeps).toEqual([expect.objectContaining({ id, name: "mounted", units: 2, counts: expect.objectContaining({ pending: 1, leased: 1 }) })]);
  });
});

