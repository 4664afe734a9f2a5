/** Timing and reporting shared by the benchmarks: medians over repeats, short interleaved bursts, a table, and one JSON line. */
import { performance } from "node:perf_hooks";

export interface TimingOptions {
  /** Minimum wall time to spend measuring, after warm-up. */
  minMs?: number;
  minRepeats?: number;
  warmup?: number;
}

/** Median milliseconds per call of `body`. */
export function medianMs(body: () => void, { minMs = 400, minRepeats = 5, warmup = 2 }: TimingOptions = {}): number {
  for (let i = 0; i < warmup; i++) body();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRepeats || performance.now() - start < minMs) {
    const t0 = performance.now();
    body();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/**
 * What a burst is timed on. `cpu`: this process's CPU time (user + system, all its threads), so the
 * time the scheduler gives other processes on a shared machine is not counted, only what they do to
 * the caches and the core while this one runs; `wall`: elapsed time.
 */
export type Clock = "cpu" | "wall";

const clocks: Record<Clock, () => number> = {
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e3;
  },
  wall: () => performance.now(),
};

/**
 * One short burst: calls `body` until `ms` have passed on `clock` and at least `minCalls` times, and
 * returns the mean milliseconds per call (the burst's time over its calls). Benchmarks alternate
 * bursts of the things they compare, round after round, so a noisy moment on a shared machine hits
 * each of them rather than one. The mean, not the median call: a burst of 1 ms calls would otherwise
 * drop exactly the noise that a burst of two 50 ms calls cannot, and favour whatever runs in short calls.
 */
export function burstMs(body: () => void, ms: number, { minCalls = 2, clock = "wall" }: { minCalls?: number; clock?: Clock } = {}): number {
  const now = clocks[clock];
  let calls = 0;
  const start = now();
  let elapsed = 0;
  while (calls < minCalls || elapsed < ms) {
    body();
    calls++;
    elapsed = now() - start;
  }
  return elapsed / calls;
}

/** Median of the samples (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** A quantity measured once per round: its median over the rounds and its range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(samples: readonly number[]): Spread {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

/** "0.91 (0.88–0.93)": the median, then the range over rounds. */
export function formatSpread(s: Spread): string {
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

/** A spread rounded for the JSON line. */
export function roundSpread(s: Spread, digits = 3): Spread {
  return { median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits) };
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(headers));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of cells) console.log(line(r));
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e6) return x.toExponential(3);
  return x.toFixed(Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 10 ? 2 : 3);
}

/** Rounds for the JSON line so it stays readable. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
