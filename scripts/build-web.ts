/**
 * npm run build:web: the volunteer page (/) and the researcher dashboard (/dashboard, from
 * dashboard.html) as static assets for the Worker (wrangler.toml [assets]). esbuild bundles the two
 * pages (the dashboard's uPlot CSS becomes dashboard.css) and the two worker entries both train
 * with (training coordinator, thread-pool worker) into web/dist/, next to index.html,
 * dashboard.html, _headers and the wasm builds (+ MNIST) under web/dist/build/.
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, "web/dist");

await rm(OUT, { recursive: true, force: true });
await mkdir(join(OUT, "build"), { recursive: true });
await build({
  entryPoints: {
    volunteer: join(ROOT, "web/volunteer.ts"),
    dashboard: join(ROOT, "web/dashboard/main.ts"),
    coordinator: join(ROOT, "src/hosts/browser/coordinator-worker.ts"),
    "pool-worker": join(ROOT, "src/hosts/browser/pool-worker.ts"),
  },
  outdir: OUT,
  bundle: true,
  // Code the entries share, and what they import dynamically (TensorFlow.js for the GPU path), goes
  // into chunks: a page loads tfjs only when a unit is trained on the GPU. The workers are module
  // workers, so they load chunks too.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: "linked",
  logLevel: "warning",
});
for (const file of ["index.html", "dashboard.html", "_headers"]) await copyFile(join(ROOT, "web", file), join(OUT, file));
for (const file of ["simd.wasm", "simd-threads.wasm", "mnist.bin"]) await copyFile(join(ROOT, "build", file), join(OUT, "build", file));
console.log(`built the volunteer page and the dashboard into ${OUT}`);
