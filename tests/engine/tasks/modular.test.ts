/** Modular-arithmetic data: labels against exact BigInt arithmetic, and the seeded split. */
import { describe, expect, it } from "vitest";
import { MODULAR_OPS, type ModularOp } from "../../../src/config/run-config.js";
import { modularData, modularLabel, modularSplitSizes } from "../../../src/engine/tasks/modular.js";
import { Rng } from "../../../src/engine/random.js";

/** (a ∘ b) mod p in BigInt, by definition (div: a·b⁻¹ with b⁻¹ found by search). */
function exact(op: ModularOp, a: number, b: number, p: number): number {
  const [A, B, P] = [BigInt(a), BigInt(b), BigInt(p)];
  const m = (x: bigint) => Number(((x % P) + P) % P);
  switch (op) {
    case "add": return m(A + B);
    case "sub": return m(A - B);
    case "mul": return m(A * B);
    case "div": {
      for (let inv = 1n; inv < P; inv++) if ((B * inv) % P === 1n) return m(A * inv);
      throw new Error(`${b} has no inverse mod ${p}`);
    }
    case "x2+y2": return m(A * A + B * B);
    case "x2+xy+y2": return m(A * A + A * B + B * B);
    case "x3+xy": return m(A * A * A + A * B);
  }
}

describe("modular arithmetic tasks", () => {
  it.each(MODULAR_OPS)("labels every pair of %s exactly, up to p = 257", (op) => {
    for (const p of op === "div" ? [2, 3, 97, 113, 251, 257] : [2, 3, 97, 113, 251, 256, 257]) {
      for (let a = 0; a < p; a++) {
        for (let b = op === "div" ? 1 : 0; b < p; b++) if (modularLabel(op, a, b, p) !== exact(op, a, b, p)) throw new Error(`${op} mod ${p}: (${a}, ${b})`);
      }
    }
  });

  it("splits all pairs (b ≠ 0 for div) into disjoint train and test sets of the stated sizes, the same for the same seed", () => {
    for (const [p, op, fraction] of [[97, "add", 0.4], [13, "div", 0.5], [7, "x3+xy", 0.01], [5, "sub", 0.99]] as const) {
      const data = modularData(p, op, fraction, new Rng(7));
      const sizes = modularSplitSizes(p, op, fraction);
      expect([data.train.count, data.test.count]).toEqual([sizes.train, sizes.test]);
      const code = (s: typeof data.train, i: number) => s.a[i] * p + s.b[i];
      const seen = new Set<number>();
      for (const s of [data.train, data.test]) {
        for (let i = 0; i < s.count; i++) {
          expect(seen.has(code(s, i))).toBe(false);
          seen.add(code(s, i));
          expect(s.labels[i]).toBe(modularLabel(op, s.a[i], s.b[i], p));
          if (op === "div") expect(s.b[i]).not.toBe(0);
        }
      }
      expect(seen.size).toBe(p * (op === "div" ? p - 1 : p));
      expect(sizes.train).toBeGreaterThanOrEqual(1);
      expect(sizes.test).toBeGreaterThanOrEqual(1);
      expect(modularData(p, op, fraction, new Rng(7))).toEqual(data);
      expect(Array.from(modularData(p, op, fraction, new Rng(8)).train.a)).not.toEqual(Array.from(data.train.a));
    }
  });
});
