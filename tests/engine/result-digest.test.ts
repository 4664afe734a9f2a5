/**
 * The result digest and paramsHash (src/config/result-digest.ts, src/engine/hash.ts) and the curve
 * summary every backend and the API share (src/config/curve-summary.ts): the canonical bytes, what
 * changes the digest and what must not (NaN bits, JSON's round trip), and a diverged run end to end —
 * null in its curves, a result the schema accepts, the same digest on both builds, on a pool and
 * across a checkpoint.
 */
import { describe, expect, it } from "vitest";
import { summarizeCurves } from "../../src/config/curve-summary.js";
import { resultDigest, resultDigestInput } from "../../src/config/result-digest.js";
import { runResultSchema, type CurvePoint } from "../../src/config/run-result.js";
import { paramsHash } from "../../src/engine/hash.js";
import { train } from "../../src/node.js";
import { smallMlpConfig } from "../support/configs.js";
import { kernelsFor } from "../support/kernels.js";
import { hashOf } from "../support/run-results.js";

const TAG = "grokedge/result-digest/v1";
const point = (step: number, values: Partial<CurvePoint> = {}): CurvePoint => ({ step, trainLoss: 2.5, trainAccuracy: 0.25, testLoss: 3, testAccuracy: 0.125, weightNorm: 5, embeddingNorm: 3, otherNorm: 4, ...values });
const P = hashOf("params");

describe("resultDigestInput: the canonical bytes", () => {
  it("is the tag, paramsHash's 32 bytes, then per point the step (u64) and the seven numbers (f64), little-endian, in schema order", () => {
    const bytes = resultDigestInput(P, [point(0), point(70_000, { trainLoss: 0.5 })]);
    expect(bytes.length).toBe(TAG.length + 32 + 2 * 64);
    expect(new TextDecoder().decode(bytes.subarray(0, TAG.length))).toBe(TAG);
    expect(Buffer.from(bytes.subarray(TAG.length, TAG.length + 32)).toString("hex")).toBe(P);
    const view = new DataView(bytes.buffer, TAG.length + 32);
    expect(view.getBigUint64(64, true)).toBe(70_000n);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => view.getFloat64(i * 8, true))).toEqual([2.5, 0.25, 3, 0.125, 5, 3, 4]);
    expect(view.getFloat64(64 + 8, true)).toBe(0.5);
  });

  it("writes null, NaN and ±Infinity as one quiet NaN, and −0 as +0: what JSON carries", () => {
    const nanBits = (v: number | null) => Buffer.from(resultDigestInput(P, [point(0, { trainLoss: v })]).subarray(TAG.length + 32 + 8, TAG.length + 32 + 16)).toString("hex");
    for (const v of [null, NaN, Infinity, -Infinity]) expect(nanBits(v), String(v)).toBe("000000000000f87f");
    expect(nanBits(-0)).toBe(nanBits(0));
    const curves = [point(0, { trainLoss: NaN, testLoss: -Infinity, weightNorm: Infinity, embeddingNorm: -0 })];
    expect(resultDigestInput(P, JSON.parse(JSON.stringify(curves)))).toEqual(resultDigestInput(P, curves));
  });

  it("refuses a paramsHash that is not 64 lowercase hex digits", () => {
    for (const bad of ["", P.toUpperCase(), P.slice(1), `${P}0`]) expect(() => resultDigestInput(bad, [point(0)])).toThrow(/paramsHash: expected 64 lowercase hex digits/);
  });
});

describe("resultDigest", () => {
  const curves = [point(0), point(10, { trainAccuracy: 1 }), point(20, { testAccuracy: 1 })];

  it("changes with paramsHash, with any number of any point, with the order and the number of points", async () => {
    const base = await resultDigest(P, curves);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants: CurvePoint[][] = [
      ...(Object.keys(curves[0]) as (keyof CurvePoint)[]).map((key) => curves.map((p, i) => (i === 1 ? { ...p, [key]: p[key]! + (key === "step" ? 1 : 1e-9) } : p))),
      [curves[1], curves[0], curves[2]],
      curves.slice(0, 2),
      curves.map((p, i) => (i === 2 ? { ...p, otherNorm: null } : p)),
    ];
    const digests = await Promise.all(variants.map((v) => resultDigest(P, v)));
    expect(new Set([base, ...digests, await resultDigest(hashOf("other params"), curves)]).size).toBe(variants.length + 2);
  });
});

describe("paramsHash", () => {
  it("hashes every NaN the same (sign and payload are the CPU's), and unlike ±Infinity or a number", async () => {
    const withBits = (bits: number) => {
      const params = new Float32Array([1.5, -2, 0]);
      new Uint32Array(params.buffer)[1] = bits;
      return paramsHash(params);
    };
    const nans = await Promise.all([0x7fc00000, 0xffc00000, 0x7f800001, 0xffffffff, 0x7fc12345].map(withBits));
    expect(new Set(nans).size).toBe(1);
    const others = await Promise.all([0x7f800000, 0xff800000, 0x3f800000].map(withBits));
    expect(new Set([nans[0], ...others]).size).toBe(4);
    // Finite parameters hash as their plain bytes.
    const plain = new Float32Array([1.5, -2, 0]);
    expect(await paramsHash(plain)).toBe((await import("node:crypto")).createHash("sha256").update(new Uint8Array(plain.buffer)).digest("hex"));
  });
});

describe("summarizeCurves", () => {
  const config = { steps: 40, earlyStopTestAccuracy: undefined };

  it("takes the first steps reaching 0.99 train and test accuracy, their delay, and the last point", () => {
    const curves = [point(0), point(10, { trainAccuracy: 0.99 }), point(20, { trainAccuracy: 0.5 }), point(30, { testAccuracy: 0.995 }), point(40, { testAccuracy: 1 })];
    expect(summarizeCurves(config, curves, 40)).toEqual({ memorizationStep: 10, generalizationStep: 30, grokkingDelay: 20, stoppedEarly: false, final: curves[4] });
    expect(summarizeCurves(config, [point(0, { trainAccuracy: 0.9899 })], 0)).toMatchObject({ memorizationStep: null, generalizationStep: null, grokkingDelay: null });
  });

  it("says a run stopped early only when its last point reached the config's target before config.steps", () => {
    const curves = [point(0), point(10, { testAccuracy: 0.95 })];
    expect(summarizeCurves({ steps: 40, earlyStopTestAccuracy: 0.95 }, curves, 10).stoppedEarly).toBe(true);
    expect(summarizeCurves({ steps: 10, earlyStopTestAccuracy: 0.95 }, curves, 10).stoppedEarly).toBe(false);
    expect(summarizeCurves({ steps: 40, earlyStopTestAccuracy: 0.96 }, curves, 10).stoppedEarly).toBe(false);
    expect(summarizeCurves(config, curves, 10).stoppedEarly).toBe(false);
  });
});

describe("a diverged run (SGD at lr 1e3)", () => {
  const diverging = { ...smallMlpConfig({ seed: 1 }), optimizer: { kind: "sgd", lr: 1e3, momentum: 0.9 } };

  it("records its non-finite losses and norms as null, in a result the schema accepts, digested as the API will from its JSON", async () => {
    const result = await train(diverging);
    expect(result.curves[0].trainLoss).toBeGreaterThan(0);
    // By step 10 the parameters hold NaNs: losses, the total norm and the other group's are not finite.
    expect(result.curves.slice(1).every((p) => p.trainLoss === null && p.testLoss === null && p.weightNorm === null && p.otherNorm === null)).toBe(true);
    expect(result.curves.every((p) => p.trainAccuracy >= 0 && p.trainAccuracy <= 1)).toBe(true);
    expect(runResultSchema.safeParse(result).error).toBeUndefined();
    const wire = JSON.parse(JSON.stringify(result));
    expect(wire.curves).toEqual(result.curves);
    expect(result.summary.resultDigest).toBe(await resultDigest(wire.summary.paramsHash, wire.curves));
  });

  it("gives the same paramsHash and result digest on both builds, on a pool of 2 threads, and resumed from a checkpoint", async () => {
    let saved: Uint8Array | undefined;
    const [simd, threadsBuild, pool] = await Promise.all([
      train(diverging, { kernels: await kernelsFor("simd") }),
      train(diverging, { kernels: await kernelsFor("simd-threads") }),
      train(diverging, { threads: 2 }),
      train(diverging, { stopAtStep: 25, onCheckpoint: (bytes) => (saved = bytes) }),
    ]);
    const resumed = await train(undefined, { resumeFrom: saved });
    expect([threadsBuild.meta.build, pool.meta.threads]).toEqual(["simd-threads", 2]);
    for (const other of [threadsBuild, pool, resumed]) {
      expect(other.summary.paramsHash).toBe(simd.summary.paramsHash);
      expect(other.summary.resultDigest).toBe(simd.summary.resultDigest);
      expect(other.curves).toEqual(simd.curves);
    }
  }, 60_000);

  it("a run that did not diverge has a digest of its paramsHash and curves too", async () => {
    const result = await train(smallMlpConfig({ seed: 3 }));
    expect(result.curves.every((p) => p.trainLoss !== null && p.weightNorm !== null)).toBe(true);
    expect(result.summary.resultDigest).toBe(await resultDigest(result.summary.paramsHash, result.curves));
  });
});
