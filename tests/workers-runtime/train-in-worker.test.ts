/**
 * grokedge inside workerd, the Workers runtime, through `wrangler dev`: the Worker in this folder
 * (worker.ts) trains with the simd build as a compiled module and must reach Node's paramsHash; a
 * Worker that forgets the module, or passes the build's bytes, must be told what to pass.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../bench/support/wrangler-dev.js";
import { quadraticMlpConfig } from "../../src/config/presets.js";
import { runResultSchema } from "../../src/config/run-result.js";
import { train } from "../../src/node.js";

// The README's run config (the quadratic MLP of Doshi et al.), shortened: the hash still covers every step.
const config = quadraticMlpConfig({ steps: 20, evalInterval: 5 });
const IMPORT_LINE = 'import simd from "grokedge/simd.wasm";';

let dev: WranglerDev;

async function trainInWorker(kernels: "module" | "missing" | { base64: string }): Promise<{ status: number; body: any }> {
  const response = await fetch(`${dev.origin}/train`, { method: "POST", body: JSON.stringify({ config, kernels }) });
  return { status: response.status, body: await response.json() };
}

describe("training inside workerd", () => {
  beforeAll(async () => {
    dev = await startWranglerDev(["--config", "tests/workers-runtime/wrangler.toml"], { readyTimeoutMs: 90_000 });
  }, 120_000);
  afterAll(() => dev?.close());

  it("trains the README config with the compiled simd module to Node's paramsHash and curves", async () => {
    const inWorker = await trainInWorker("module");
    expect(inWorker.status, JSON.stringify(inWorker.body)).toBe(200);
    const result = runResultSchema.parse(inWorker.body);
    const inNode = await train(config);
    expect(result.summary.paramsHash).toBe(inNode.summary.paramsHash);
    expect(result.curves).toEqual(inNode.curves);
    expect(result.summary.stepsRun).toBe(20);
    expect(result.meta).toMatchObject({ backend: "wasm-simd", build: "simd", threads: 1 });
  });

  it("tells a Worker that passes no kernels which option to pass and how to import it", async () => {
    const { status, body } = await trainInWorker("missing");
    expect(status).toBe(500);
    expect(body.name).toBe("TypeError");
    expect(body.message).toMatch(/^train: no `kernels` given, and Cloudflare Workers have no default build to load/);
    expect(body.message).toContain(IMPORT_LINE);
    expect(body.message).toContain("train(config, { kernels: simd })");
  });

  it("tells a Worker that passes the build's bytes to pass the compiled module instead", async () => {
    const bytes = await readFile(new URL("../../build/simd.wasm", import.meta.url));
    const { status, body } = await trainInWorker({ base64: bytes.toString("base64") });
    expect(status).toBe(500);
    expect(body.name).toBe("TypeError");
    expect(body.message).toMatch(/cannot compile WebAssembly at run time, so `kernels` must be a compiled WebAssembly\.Module, not bytes/);
    expect(body.message).toContain(IMPORT_LINE);
  });
});
