/** Node-only: the MNIST asset shipped in this package's build/ folder (written by `npm run build:mnist`). */
import { readFile } from "node:fs/promises";
import { parseMnist, type MnistData } from "../../engine/tasks/mnist.js";

export function mnistBuildUrl(): URL {
  return new URL("../../../build/mnist.bin", import.meta.url);
}

export async function loadMnistFromBuild(): Promise<MnistData> {
  const url = mnistBuildUrl();
  let bytes: Buffer;
  try {
    bytes = await readFile(url);
  } catch (cause) {
    throw new Error(`MNIST asset not found at ${url.pathname}: run \`npm run build\` (or \`npm run build:mnist\`)`, { cause });
  }
  return parseMnist(bytes);
}
