/** Node-only: the kernel builds shipped in this package's build/ folder. */
import { readFile } from "node:fs/promises";
import { loadKernels, type BuildName, type KernelInstance, type LoadOptions } from "../../wasm/loader.js";

export function buildUrl(build: BuildName): URL {
  return new URL(`../../../build/${build}.wasm`, import.meta.url);
}

export async function loadBuild(build: BuildName, options?: LoadOptions): Promise<KernelInstance> {
  let bytes: Buffer;
  try {
    bytes = await readFile(buildUrl(build));
  } catch (cause) {
    throw new Error(`kernel build '${build}' not found at ${buildUrl(build).pathname}: run \`npm run build\``, { cause });
  }
  return loadKernels(bytes, options);
}
