import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKernels, SHARED_MAXIMUM_PAGES, type KernelInstance } from "../../src/wasm/loader.js";
import { buildUrl } from "../../src/hosts/node/builds.js";
import { gemm, workspaceFloats } from "../../src/ops/gemm.js";

const WORKSPACE_FLOATS = workspaceFloats("nn", 2, 2, 2);

/** C = A·B on a 2×2 case, so each way of loading is shown to give working kernels, not just an instance. */
function multiplies(k: KernelInstance): boolean {
  const a = k.arena.allocF32(4), b = k.arena.allocF32(4), c = k.arena.allocF32(4);
  k.arena.f32(a, 4).set([1, 2, 3, 4]);
  k.arena.f32(b, 4).set([5, 6, 7, 8]);
  gemm(k.kernels, "nn", c, a, b, 2, 2, 2, false, { ptr: k.arena.allocF32(WORKSPACE_FLOATS), floats: WORKSPACE_FLOATS });
  return k.arena.f32(c, 4).join() === [19, 22, 43, 50].join();
}

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.url === "/simd.wasm") {
      res.writeHead(200, { "content-type": "application/wasm" }).end(await readFile(buildUrl("simd")));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("loadKernels", () => {
  it("instantiates the simd build from bytes, with memory of its own", async () => {
    const k = await loadKernels(await readFile(buildUrl("simd")));
    expect(k.build).toBe("simd");
    expect(k.memory.buffer).toBeInstanceOf(ArrayBuffer);
    expect(multiplies(k)).toBe(true);
  });

  it("instantiates from an already compiled WebAssembly.Module (how Cloudflare Workers hand over wasm)", async () => {
    const module = await WebAssembly.compile(await readFile(buildUrl("simd")));
    const k = await loadKernels(module);
    expect(k.module).toBe(module);
    expect(multiplies(k)).toBe(true);
  });

  it("fetches a URL", async () => {
    const k = await loadKernels(new URL("/simd.wasm", origin));
    expect(multiplies(k)).toBe(true);
  });

  it("says which URL failed and how", async () => {
    await expect(loadKernels(new URL("/missing.wasm", origin))).rejects.toThrow(/missing\.wasm failed with HTTP 404/);
  });

  it("gives the simd-threads build a shared memory with the declared maximum", async () => {
    const k = await loadKernels(await readFile(buildUrl("simd-threads")));
    expect(k.build).toBe("simd-threads");
    expect(k.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(multiplies(k)).toBe(true);
  });

  it("runs two simd-threads instances over one memory, seeing each other's data", async () => {
    const bytes = await readFile(buildUrl("simd-threads"));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAXIMUM_PAGES, shared: true });
    const first = await loadKernels(bytes, { memory });
    const second = await loadKernels(bytes, { memory });
    const a = first.arena.allocF32(4), b = first.arena.allocF32(4), c = first.arena.allocF32(4);
    const pack = { ptr: first.arena.allocF32(WORKSPACE_FLOATS), floats: WORKSPACE_FLOATS };
    first.arena.f32(a, 4).set([1, 2, 3, 4]);
    first.arena.f32(b, 4).set([1, 0, 0, 1]);
    first.kernels.f32_packb_kn_x8_wasmsimd(pack.ptr, b, 2, 2, 0, 1);
    second.kernels.f32_gemm_nn_4x8_wasmsimd(c, a, pack.ptr, 2, 2, 2, false, 0, 2);
    expect(Array.from(first.arena.f32(c, 4))).toEqual([1, 2, 3, 4]);
  });

  it("refuses a memory for the simd build, which owns its own", async () => {
    const memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAXIMUM_PAGES, shared: true });
    await expect(loadKernels(await readFile(buildUrl("simd")), { memory })).rejects.toThrow(/owns its memory/);
  });

  it("declares the same shared maximum as asconfig.json", async () => {
    const config = JSON.parse(await readFile(new URL("../../asconfig.json", import.meta.url), "utf8"));
    expect(config.targets["simd-threads"].maximumMemory).toBe(SHARED_MAXIMUM_PAGES);
  });
});
