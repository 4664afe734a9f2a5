/** The counting executor: it adds up every call's FLOPs (in all and by kernel) and passes everything on to the executor it wraps. */
import { describe, expect, it } from "vitest";
import { countingExecutor } from "../../src/ops/counting.js";
import { Ops } from "../../src/ops/ops.js";
import { serialExecutor } from "../../src/ops/plan.js";
import { kernelsFor, putF32 } from "../support/kernels.js";

describe("countingExecutor", () => {
  it("counts split and whole calls by kernel, runs them, zeroes and copies through the executor it wraps", async () => {
    const k = await kernelsFor("simd");
    const counter = countingExecutor(serialExecutor(k.kernels));
    const ops = new Ops(counter);
    const x = putF32(k, [1, 2, 3, 4, 5]), y = k.arena.allocF32(5);
    ops.add(y, x, x, 5); // 5 FLOPs
    expect(Array.from(k.arena.f32(y, 5))).toEqual([2, 4, 6, 8, 10]);
    expect(ops.sumSquares(y, 5)).toBe(4 + 16 + 36 + 64 + 100); // 10 FLOPs
    expect(counter.flops).toBe(15);
    expect(Object.fromEntries(counter.byKernel)).toEqual({ f32_vadd_wasmsimd: 5, f32_sumsq_wasmsimd: 10 });
    ops.copy(y, x, 5);
    expect(Array.from(k.arena.f32(y, 5))).toEqual([1, 2, 3, 4, 5]);
    ops.zero(y, 5);
    expect(Array.from(k.arena.f32(y, 5))).toEqual([0, 0, 0, 0, 0]);
    counter.reset();
    expect([counter.flops, counter.byKernel.size]).toEqual([0, 0]);
  });

  it("without an executor to wrap it only counts", () => {
    const counter = countingExecutor();
    const ops = new Ops(counter);
    ops.add(0, 0, 0, 7);
    ops.zero(0, 7);
    expect(counter.flops).toBe(7);
  });
});
