/**
 * The one kernel list (src/wasm/kernels.ts) against what really exists: the AssemblyScript sources'
 * exported functions (names and parameter names, in order), both builds' exports (names and
 * parameter counts), the cross-build identity cases (every kernel runs in one) and the benchmark
 * (every hot kernel has a row).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GEMM_KERNELS } from "../../src/ops/gemm.js";
import { arity, KERNEL_NAMES, KERNELS, NON_KERNEL_EXPORTS, type KernelName } from "../../src/wasm/kernels.js";
import type { KernelInstance } from "../../src/wasm/loader.js";
import { KERNEL_CASES } from "../support/kernel-cases.js";
import { BUILDS, kernelsFor } from "../support/kernels.js";

/** Every `export function name(params)` under assembly/, with its parameter names. */
async function assemblyExports(): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.name.endsWith(".ts")) {
        for (const [, name, params] of (await readFile(path, "utf8")).matchAll(/export function (\w+)\(([^)]*)\)/g)) {
          found.set(name, params.split(",").map((p) => p.trim().split(":")[0].trim()).filter(Boolean));
        }
      }
    }
  };
  await visit("assembly");
  return found;
}

/** The parameter names a kernel's source must have: the list's, then the range's two. */
const expectedParams = (name: KernelName): string[] => [...KERNELS[name].params.map((p) => p.split(":")[0]), ...(KERNELS[name].range === null ? [] : ["<start>", "<end>"])];

describe("the kernel list", () => {
  it("matches the AssemblyScript sources: each kernel's parameters by name and order, the range last", async () => {
    const sources = await assemblyExports();
    for (const name of KERNEL_NAMES) {
      const params = sources.get(name);
      expect(params, `${name} is not exported by any file under assembly/`).toBeDefined();
      const expected = expectedParams(name);
      expect(params!.length, `${name}: parameter count`).toBe(expected.length);
      expected.forEach((p, i) => {
        if (!p.startsWith("<")) expect(params![i], `${name}: parameter ${i}`).toBe(p);
      });
    }
  });

  it.each(BUILDS)("is exactly what the %s build exports, with each function's parameter count", async (build) => {
    const k = await kernelsFor(build);
    const exported = WebAssembly.Module.exports(k.module).map((e) => e.name).sort();
    expect(exported).toEqual([...KERNEL_NAMES, ...NON_KERNEL_EXPORTS].sort());
    for (const name of KERNEL_NAMES) expect((k.kernels[name] as unknown as (...a: unknown[]) => unknown).length, name).toBe(arity(name));
  });

  it("has a cross-build identity case reaching every kernel", async () => {
    const k = await kernelsFor("simd");
    const reached = new Set<string>();
    const recording = new Proxy(k.kernels, {
      get(target, property, receiver) {
        if (typeof property === "string" && property in KERNELS) reached.add(property);
        return Reflect.get(target, property, receiver);
      },
    });
    const instance: KernelInstance = { ...k, kernels: recording };
    for (const c of KERNEL_CASES) c.run(instance);
    // The probe measures the machine, not a result: benchmarks only.
    const missing = KERNEL_NAMES.filter((name) => !reached.has(name) && name !== "f32_peak_wasmsimd");
    expect(missing, "kernels no case in tests/support/kernel-cases.ts runs").toEqual([]);
  });

  it("gives every hot kernel a bench:kernels row", async () => {
    const bench = await readFile("bench/kernels.ts", "utf8");
    // The matmul rows run every layout of GEMM_KERNELS: its packing and multiply kernels.
    const matmulRows = new Set<string>(bench.includes("GEMM_KERNELS") ? GEMM_KERNELS.flatMap((g) => [g.pack, g.multiply]) : []);
    const hot = KERNEL_NAMES.filter((name) => "hot" in KERNELS[name]);
    expect(hot.length).toBeGreaterThan(0);
    for (const name of hot) expect(matmulRows.has(name) || bench.includes(name), `${name} is hot but has no row in bench/kernels.ts`).toBe(true);
  });
});
