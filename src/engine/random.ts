/**
 * The engine's only source of randomness: xoshiro128** (Blackman & Vigna 2018) seeded through
 * splitmix32. Integer operations only (Math.imul, shifts), so every JS engine produces the same
 * stream — never Math.random. Normal variates use the Marsaglia polar method with the kernels' own
 * log (Math.log may differ by an ulp between engines; Math.sqrt is exact by IEEE 754).
 */

export type RngState = [number, number, number, number];

export class Rng {
  private s: Uint32Array;

  constructor(seed: number | RngState) {
    this.s = new Uint32Array(4);
    if (typeof seed === "number") {
      if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`Rng: seed must be an integer in [0, 2^32), got ${seed}`);
      // splitmix32 spreads the seed over the whole 128-bit state (which must not be all zero).
      let z = seed;
      for (let i = 0; i < 4; i++) {
        z = (z + 0x9e3779b9) >>> 0;
        let t = z;
        t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
        t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
        this.s[i] = (t ^ (t >>> 15)) >>> 0;
      }
      if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    } else {
      this.s.set(seed);
    }
  }

  /** The state, to checkpoint and resume the exact stream. */
  get state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Continues the stream from a `state` taken earlier. */
  restore(state: RngState): void {
    this.s.set(state);
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits (exact in a double). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextU32();
    while (x >= limit);
    return x % n;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /**
   * Fills `out` with N(0, std²) samples by the Marsaglia polar method; `log` must be deterministic
   * across engines (pass the kernels' f64_log).
   */
  fillNormal(out: Float32Array, std: number, log: (x: number) => number): void {
    for (let i = 0; i < out.length; i += 2) {
      let u: number, v: number, s: number;
      do {
        u = this.nextFloat() * 2 - 1;
        v = this.nextFloat() * 2 - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = Math.sqrt((-2 * log(s)) / s);
      out[i] = u * f * std;
      if (i + 1 < out.length) out[i + 1] = v * f * std;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
