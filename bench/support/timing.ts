/** Timing and reporting shared by the benchmarks: medians over repeats, a table, and one JSON line. */
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
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(headers));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of cells) console.log(line(r));
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e6) return x.toExponential(3);
  return x.toFixed(Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 10 ? 2 : 3);
}

/** Rounds for the JSON line so it stays readable. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
