// Bundles the page into dist/ with esbuild. grokedge/esbuild's plugin emits the files trainInBackground
// finds by `new URL("…", import.meta.url)` (the coordinator and pool workers, both wasm builds), which
// esbuild alone would leave pointing nowhere. Serve dist/ cross-origin isolated (COOP same-origin,
// COEP require-corp) for threads.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { build } from "esbuild";
import { grokedgePlugin } from "grokedge/esbuild";

await rm("dist", { recursive: true, force: true });
await mkdir("dist");
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  format: "esm",
  target: "es2022",
  outdir: "dist",
  plugins: [grokedgePlugin()],
  logLevel: "warning",
});
await copyFile("index.html", "dist/index.html");
