/**
 * npm run bench:gpu [-- --rounds N --burst-ms MS --threads N] — milliseconds per training step of the
 * reference models (src/config/reference-configs.ts) on tfjs-webgpu (the run grokedge/webgpu trains:
 * src/tfjs from the engine's starting point, on the engine's batches) against the wasm engine on one
 * thread and on a pool of N Web Workers (default 2), all on the same page in headless Chromium, in
 * interleaved rounds of timed bursts (GPU, one thread, pool); medians with min–max.
 *
 * Chromium's WebGPU on SwiftShader (the CPU) always runs: it checks the path works, its speed says
 * nothing about GPUs, and its steps take seconds to minutes (one warm-up step and one step per
 * burst there: the whole run takes some 10 minutes on 2 cores). A real GPU is benchmarked too when
 * Chromium offers one without being told to use SwiftShader; otherwise the output says so.
 * Prints a table per adapter and, as its last line, one JSON object.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { REFERENCE_MODELS } from "../src/config/reference-configs.js";
import type { BenchModel, BenchReply, ModelSamples } from "./gpu-page/protocol.js";
import { servePage } from "./gpu-page/server.js";
import { formatSpread, printTable, round, roundSpread, spread } from "./support/timing.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHROMIUM = process.env.GROKEDGE_CHROMIUM ?? "/usr/bin/chromium";
const BASE_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"];
/** WebGPU on SwiftShader (the CPU), as the browser tests use it. */
const SWIFTSHADER_ARGS = [...BASE_ARGS, "--disable-gpu", "--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-features=Vulkan"];
/** WebGPU on whatever adapter Chromium picks itself: a real GPU if there is one. */
const HARDWARE_ARGS = [...BASE_ARGS, "--enable-unsafe-webgpu", "--enable-features=Vulkan"];

function option(name: string, fallback: number, valid: (n: number) => boolean, expected: string): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!valid(value)) throw new Error(`${name} must be ${expected}, got ${process.argv[at + 1]}`);
  return value;
}
const ROUNDS = option("--rounds", 3, (n) => Number.isInteger(n) && n >= 1, "an integer ≥ 1");
const BURST_MS = option("--burst-ms", 400, (n) => Number.isFinite(n) && n >= 0, "a number of milliseconds ≥ 0");
const THREADS = option("--threads", 2, (n) => Number.isInteger(n) && n >= 2, "an integer ≥ 2");

const log = (message: string) => process.stderr.write(message + "\n");

/** The reference models; on SwiftShader a step takes seconds (the transformer minutes), so one warm-up step and one step per burst. */
function models(software: boolean): BenchModel[] {
  return Object.values(REFERENCE_MODELS).map(({ label, config }) => ({ name: label, config, warmupSteps: software ? 1 : 3, minSteps: software ? 1 : 2 }));
}

async function bundlePage(dir: string): Promise<void> {
  await build({
    entryPoints: { page: join(ROOT, "bench/gpu-page/entry.ts"), "wasm-worker": join(ROOT, "bench/gpu-page/wasm-worker.ts"), "pool-worker": join(ROOT, "src/hosts/browser/pool-worker.ts") },
    outdir: dir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "warning",
  });
  await writeFile(join(dir, "index.html"), '<!doctype html><html><head><meta charset="utf-8"><title>grokedge bench:gpu</title><script type="module" src="/page.js"></script></head><body></body></html>\n');
}

async function openBench(args: string[], url: string): Promise<{ browser: Browser; page: import("playwright-core").Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url);
  await page.waitForFunction(() => typeof window.grokedgeGpuBench === "object", undefined, { timeout: 30_000 }).catch((error: unknown) => {
    throw new Error(`the benchmark page did not load: ${errors.join("; ") || String(error)}`);
  });
  return { browser, page };
}

interface DeviceResult {
  device: string;
  reply: BenchReply;
}

if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or point GROKEDGE_CHROMIUM at one`);
const chromiumVersion = execFileSync(CHROMIUM, ["--version"], { encoding: "utf8" }).trim();
const loadBefore = loadavg()[0];
const dir = await mkdtemp(join(tmpdir(), "grokedge-bench-gpu-"));
await bundlePage(dir);
const server = await servePage(dir, join(ROOT, "build"));
const devices: DeviceResult[] = [];
/** The real GPU's adapter, or why there is none. */
let realGpu = "not probed";
try {
  // Which adapter does Chromium pick by itself? Only a hardware one is worth a second run.
  const hardware = await openBench(HARDWARE_ARGS, server.url);
  try {
    const probe = await hardware.page.evaluate(() => window.grokedgeGpuBench.probe());
    if (probe && !probe.software) {
      realGpu = probe.adapter;
      log(`timing on the real GPU (${probe.adapter}) …`);
      devices.push({ device: "gpu", reply: await hardware.page.evaluate((r) => window.grokedgeGpuBench.run(r), { models: models(false), rounds: ROUNDS, burstMs: BURST_MS, threads: THREADS }) });
    } else {
      realGpu = `none: this machine has no GPU Chromium can use (its own choice of WebGPU adapter is ${probe ? probe.adapter : "no adapter at all"})`;
    }
  } finally {
    await hardware.browser.close();
  }
  const software = await openBench(SWIFTSHADER_ARGS, server.url);
  try {
    log(`timing on SwiftShader (${ROUNDS} rounds; a GPU step takes seconds there, the transformer's minutes) …`);
    devices.push({ device: "swiftshader", reply: await software.page.evaluate((r) => window.grokedgeGpuBench.run(r), { models: models(true), rounds: ROUNDS, burstMs: BURST_MS, threads: THREADS }) });
  } finally {
    await software.browser.close();
  }
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}

const timed = (m: BenchReply["models"][number]): m is ModelSamples => !("error" in m);
for (const { device, reply } of devices) {
  console.log();
  console.log(`${device === "gpu" ? "GPU" : "SwiftShader (WebGPU on the CPU: correctness only, not a GPU speed)"}: ${reply.adapter}; page cross-origin isolated: ${reply.crossOriginIsolated}`);
  printTable(
    ["model", "params", "rows/step", "tfjs-webgpu ms/step", "wasm ms/step (1 thread)", `wasm ms/step (${THREADS} threads)`, "wasm 1 thread / webgpu", `wasm ${THREADS} threads / webgpu`, "webgpu train loss"],
    reply.models.map((m) =>
      timed(m)
        ? [m.name, String(m.parameterCount), String(m.rowsPerStep), formatSpread(spread(m.gpuMs)), formatSpread(spread(m.wasmMs)), formatSpread(spread(m.poolMs)), formatSpread(spread(m.wasmMs.map((w, r) => w / m.gpuMs[r]))), formatSpread(spread(m.poolMs.map((p, r) => p / m.gpuMs[r]))), `${m.gpuLoss[0].toFixed(3)}→${m.gpuLoss[1].toFixed(3)} /${m.gpuSteps}`]
        : [m.name, "—", "—", `n/a (${m.error})`, "n/a", "n/a", "n/a", "n/a", "—"],
    ),
  );
}
console.log();
console.log(`real GPU: ${realGpu}`);
console.log(`(medians over ${ROUNDS} interleaved rounds of GPU, 1 thread and ${THREADS} threads on one page, with min–max; bursts of ≥ ${BURST_MS} ms; ratios > 1: the GPU is faster)`);
// After the run the load average is mostly the benchmark's own (SwiftShader and the pool use every core): only the one before says whether others were busy.
console.log(`(${chromiumVersion}; 1-minute load average before the run ${loadBefore.toFixed(2)} on ${cpus().length} cores: well above 0, other work shared the machine and the times are noisy)`);
console.log(
  JSON.stringify({
    bench: "gpu",
    chromium: chromiumVersion,
    rounds: ROUNDS,
    burst_ms: BURST_MS,
    threads: THREADS,
    real_gpu: devices.some((d) => d.device === "gpu") ? realGpu : null,
    load_average_before: round(loadBefore, 2),
    devices: devices.map(({ device, reply }) => ({
      device,
      adapter: reply.adapter,
      models: reply.models.map((m) =>
        timed(m)
          ? { model: m.name, params: m.parameterCount, rows: m.rowsPerStep, webgpu_ms: roundSpread(spread(m.gpuMs)), wasm_ms: roundSpread(spread(m.wasmMs)), wasm_pool_ms: roundSpread(spread(m.poolMs)), wasm_over_webgpu: roundSpread(spread(m.wasmMs.map((w, r) => w / m.gpuMs[r]))), pool_over_webgpu: roundSpread(spread(m.poolMs.map((p, r) => p / m.gpuMs[r]))) }
          : { model: m.name, error: m.error },
      ),
    })),
  }),
);
