/**
 * npm run build:ts, after tsc: the package's data files (both kernel builds, the MNIST digits) into
 * dist/build/. tsc puts src/ into dist/src/, one folder deeper than in the repository; with build/
 * beside it in dist/ as in the repository, every `new URL("../…/build/…", import.meta.url)` of the
 * sources holds in the package as well, and the package ships dist/ only.
 */
import { copyFile, mkdir } from "node:fs/promises";

const ROOT = new URL("../", import.meta.url);
const FILES = ["simd.wasm", "simd-threads.wasm", "mnist.bin"];

await mkdir(new URL("dist/build/", ROOT), { recursive: true });
for (const file of FILES) {
  await copyFile(new URL(`build/${file}`, ROOT), new URL(`dist/build/${file}`, ROOT)).catch((cause: unknown) => {
    throw new Error(`build/${file} is missing: run \`npm run build\` (it builds the kernels and the MNIST asset first)`, { cause });
  });
}
