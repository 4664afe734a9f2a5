/**
 * The matmul's plan (gemmSteps): which calls, split along what, and at what cost — what every executor
 * and the run plan rely on. (That the calls compute the right product is tests/assembly/f32-gemm and
 * the Ops conformance suite.)
 */
import { describe, expect, it } from "vitest";
import { gemmSteps, packedFloats, workspaceFloats, type GemmLayout } from "../../src/ops/gemm.js";
import { PARALLEL_MIN_WORK } from "../../src/ops/pool/pool-executor.js";

const [c, a, b] = [1024, 2048, 4096];

describe("gemmSteps", () => {
  it.each<[GemmLayout, string, string]>([
    ["nn", "f32_packb_kn_x8_wasmsimd", "f32_gemm_nn_4x8_wasmsimd"],
    ["tn", "f32_packb_kn_x8_wasmsimd", "f32_gemm_tn_4x8_wasmsimd"],
    ["nt", "f32_packb_nk_x8_wasmsimd", "f32_gemm_nn_4x8_wasmsimd"],
  ])("%s: packs B into panels at the workspace's start (split by panel), then multiplies (split by 4-row blocks)", (layout, pack, multiply) => {
    const [m, k, n] = [97, 13, 21];
    const workspace = { ptr: 65536, floats: workspaceFloats(layout, m, k, n) };
    const [packing, product] = gemmSteps(layout, c, a, b, m, k, n, true, workspace);
    expect(packing).toEqual({ kernel: pack, args: [65536, b, k, n], extent: 3, align: 1, flops: 0, work: k * n * 16 });
    expect(product).toEqual({ kernel: multiply, args: [c, a, 65536, m, k, n, true], extent: m, align: 4, flops: 2 * m * k * n, work: m * k * n });
  });

  it("the multiply's work is m·k·n: a pool splits a matmul exactly when that reaches its threshold", () => {
    const [m, k, n] = [64, 64, 64]; // m·k·n = 2^18
    expect(m * k * n).toBe(PARALLEL_MIN_WORK);
    const product = gemmSteps("nn", c, a, b, m, k, n, false, { ptr: 0, floats: workspaceFloats("nn", m, k, n) })[1];
    expect(product.work).toBe(PARALLEL_MIN_WORK);
    expect(gemmSteps("nn", c, a, b, m, k - 1, n, false, { ptr: 0, floats: workspaceFloats("nn", m, k, n) })[1].work).toBeLessThan(PARALLEL_MIN_WORK);
  });

  it("refuses a workspace one float too small for the panels and the A blocks", () => {
    const [m, k, n] = [97, 13, 21];
    const floats = workspaceFloats("tn", m, k, n);
    expect(floats).toBeGreaterThan(packedFloats(k, n));
    expect(() => gemmSteps("tn", c, a, b, m, k, n, false, { ptr: 0, floats: floats - 1 })).toThrow(`gemm tn 97×13×21: needs ${floats} floats of workspace; it holds ${floats - 1}`);
    expect(() => gemmSteps("tn", c, a, b, m, k, n, false, { ptr: 0, floats })).not.toThrow();
  });
});
