/**
 * examples/worker, installed from the packed package into a fresh temp directory
 * (tests/support/packed-tarball.ts): a Cloudflare Worker that imports `grokedge/simd.wasm` as a
 * compiled module and trains under `wrangler dev` (workerd). It type-checks with Workers' types
 * only, and its RunResult must carry the paramsHash examples/node prints for the same config, bit
 * for bit; a bad config it is sent comes back as a 400 naming the field.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../bench/support/wrangler-dev.js";
import { runResultSchema } from "../../src/config/run-result.js";
import { installExample, packTarball, removeTarball, ROOT, type ExampleProject } from "../support/packed-tarball.js";

let worker: ExampleProject;
let node: ExampleProject;
let dev: WranglerDev;
let version: string;

beforeAll(async () => {
  version = (await packTarball()).manifest.version;
  [worker, node] = await Promise.all([installExample("worker"), installExample("node")]);
  dev = await startWranglerDev(["--config", join(worker.dir, "wrangler.toml")], { readyTimeoutMs: 90_000 });
}, 180_000);
afterAll(async () => {
  await dev?.close();
  await worker?.remove();
  await node?.remove();
  await removeTarball();
});

it("trains the same config as examples/node", async () => {
  const [inWorker, inNode] = await Promise.all(["worker", "node"].map(async (example) => JSON.parse(await readFile(join(ROOT, "examples", example, "config.json"), "utf8"))));
  expect(inWorker).toEqual(inNode);
});

it("type-checks with Workers' types and the package's", async () => {
  await worker.npmRun("typecheck");
}, 60_000);

it("trains config.json inside workerd with the compiled simd module, to Node's paramsHash", async () => {
  const [response, { stdout }] = await Promise.all([fetch(`${dev.origin}/`), node.npmRun("start")]);
  const text = await response.text();
  // An error the Worker does not catch comes back as wrangler's HTML error page: its log says it plainer.
  expect(response.status, text.startsWith("<!DOCTYPE") ? dev.log() : text).toBe(200);
  const { summary, meta } = runResultSchema.parse(JSON.parse(text));
  expect(meta).toEqual({ engineVersion: version, backend: "wasm-simd", build: "simd", threads: 1 });
  expect(summary.stepsRun).toBe(20);
  const nodeHash = /^paramsHash ([0-9a-f]{64})$/m.exec(stdout)?.[1];
  expect(nodeHash, stdout).toBeDefined();
  console.log(`worker: paramsHash ${summary.paramsHash}\nnode:   paramsHash ${nodeHash}`);
  expect(summary.paramsHash).toBe(nodeHash);
}, 90_000);

it("answers a bad run config with a 400 naming the field", async () => {
  const config = JSON.parse(await readFile(join(ROOT, "examples/worker/config.json"), "utf8"));
  const response = await fetch(`${dev.origin}/`, { method: "POST", body: JSON.stringify({ ...config, steps: -3 }) });
  expect(response.status).toBe(400);
  expect((await response.json()).error).toMatch(/^invalid run config:\n {2}steps: /);
  const notJson = await fetch(`${dev.origin}/`, { method: "POST", body: "steps=20" });
  expect(notJson.status).toBe(400);
  expect((await notJson.json()).error).toContain("the request body must be a run config in JSON");
});
