/**
 * Modular arithmetic tasks (Power et al. 2022): every pair (a, b) labelled (a ∘ b) mod p, split
 * into train and test by the run's seeded stream. Integer arithmetic only (p ≤ 257 keeps a³ exact).
 */
import type { ModularOp } from "../../config/run-config.js";
import type { Rng } from "../random.js";

export interface TokenSplit {
  count: number;
  /** Operands a and b, one array each (a kernel gathers with stride 1). */
  a: Int32Array;
  b: Int32Array;
  labels: Int32Array;
}

export interface ModularData {
  p: number;
  train: TokenSplit;
  test: TokenSplit;
}

const mod = (x: number, p: number) => ((x % p) + p) % p;

/** b⁻¹ mod p for prime p by Fermat's little theorem (b^(p−2)), square-and-multiply on small integers. */
function inverse(b: number, p: number): number {
  let result = 1, base = b % p, e = p - 2;
  while (e > 0) {
    if (e & 1) result = (result * base) % p;
    base = (base * base) % p;
    e >>= 1;
  }
  return result;
}

export function modularLabel(op: ModularOp, a: number, b: number, p: number): number {
  switch (op) {
    case "add": return mod(a + b, p);
    case "sub": return mod(a - b, p);
    case "mul": return mod(a * b, p);
    case "div": return mod(a * inverse(b, p), p);
    case "x2+y2": return mod(a * a + b * b, p);
    case "x2+xy+y2": return mod(a * a + a * b + b * b, p);
    case "x3+xy": return mod(a * a * a + a * b, p);
  }
}

/** Sizes of the train and test splits: all p² pairs (p·(p−1) for div, b ≠ 0), at least one in each. */
export function modularSplitSizes(p: number, op: ModularOp, trainFraction: number): { train: number; test: number } {
  const pairs = p * (op === "div" ? p - 1 : p);
  const train = Math.max(1, Math.min(pairs - 1, Math.floor(trainFraction * pairs)));
  return { train, test: pairs - train };
}

export function modularData(p: number, op: ModularOp, trainFraction: number, rng: Rng): ModularData {
  const pairs: number[] = [];
  for (let a = 0; a < p; a++) for (let b = op === "div" ? 1 : 0; b < p; b++) pairs.push(a * p + b);
  rng.shuffle(pairs);
  const trainCount = modularSplitSizes(p, op, trainFraction).train;
  const split = (codes: number[]): TokenSplit => {
    const a = new Int32Array(codes.length), b = new Int32Array(codes.length), labels = new Int32Array(codes.length);
    codes.forEach((code, i) => {
      a[i] = Math.floor(code / p);
      b[i] = code % p;
      labels[i] = modularLabel(op, a[i], b[i], p);
    });
    return { count: codes.length, a, b, labels };
  };
  return { p, train: split(pairs.slice(0, trainCount)), test: split(pairs.slice(trainCount)) };
}
