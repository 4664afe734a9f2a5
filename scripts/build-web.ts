/**
 * npm run build:web: the volunteer page as static assets for the Worker (wrangler.toml [assets]).
 * esbuild bundles the page and the two worker entries (training coordinator, thread-pool worker)
 * into web/dist/, next to index.html, _headers and the wasm builds (+ MNIST) under web/dist/build/.
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
    coordinator: join(ROOT, "src/hosts/browser/coordinator-worker.ts"),
    "pool-worker": join(ROOT, "src/hosts/browser/pool-worker.ts"),
  },
  outdir: OUT,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: "linked",
  logLevel: "warning",
});
for (const file of ["index.html", "_headers"]) await copyFile(join(ROOT, "web", file), join(OUT, file));
for (const file of ["simd.wasm", "simd-threads.wasm", "mnist.bin"]) await copyFile(join(ROOT, "build", file), join(OUT, "build", file));
console.log(`built the volunteer page into ${OUT}`);
