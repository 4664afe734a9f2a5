/** grokedge bench: the SIMD probe and the reference models' step times on one thread and a pool, a table and a JSON last line. */
import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

describe("grokedge bench", () => {
  it("times the probe and a reference model on one thread and on the pool, as a table and one JSON line", async () => {
    const { code, out, err } = await runCli(["bench", "--models", "mlp", "--rounds", "2", "--burst-ms", "20", "--threads", "2"]);
    expect(code).toBe(0);
    expect(err).toBe("timing MLP p=97 emb128 ×2→256→97 …");
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/^wasm SIMD peak probe: \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\) GFLOP\/s per thread; 2 interleaved rounds of 20 ms bursts/);
    expect(lines[1]).toMatch(/^model\s+parameters\s+GFLOP\/step\s+ms\/step \(1 thread\)\s+ms\/step \(2 threads\)\s+speed-up\s+efficiency \(1 thread\)\s+efficiency \(2 threads\)$/);
    expect(lines[3]).toMatch(/^MLP p=97 emb128 ×2→256→97\s+\d+\s+\S+\s+\d/);
    const json = JSON.parse(lines.at(-1)!);
    expect(json).toMatchObject({ rounds: 2, burst_ms: 20, threads: 2 });
    expect(json.peak_gflops.median).toBeGreaterThan(0);
    const [mlp] = json.train;
    // The MLP of the README's benchmarks: 97·128 embedding, 256·256 + 256 hidden, 256·97 + 97 output.
    expect(mlp.params).toBe(97 * 128 + 256 * 256 + 256 + 256 * 97 + 97);
    for (const key of ["ms_per_step", "pool_ms_per_step", "efficiency", "pool_efficiency", "threads_speedup"]) {
      expect(mlp[key].min).toBeGreaterThan(0);
      expect(mlp[key].min).toBeLessThanOrEqual(mlp[key].median);
      expect(mlp[key].median).toBeLessThanOrEqual(mlp[key].max);
    }
  });
});
