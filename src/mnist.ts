/**
 * grokedge/mnist: the MNIST digits shipped with the package (build/mnist.bin, 7.8 MB), for pages that
 * train on the mnist task. A separate entry, so that bundles of the engine never carry the file:
 *
 *   import { mnistUrl } from "grokedge/mnist";
 *   await trainInBackground(config, { threads: 2, mnistUrl });
 *
 * In Node, grokedge/node loads the digits itself.
 */
import { loadMnist, type MnistData } from "./engine/tasks/mnist.js";

/**
 * The asset's URL, written so that bundlers emit the file (Vite as it is, esbuild with
 * grokedge/esbuild's plugin). The package keeps build/ beside src/ in dist/ too.
 */
export const mnistUrl: string = new URL("../build/mnist.bin", import.meta.url).href;

/** Fetches and parses the digits from `mnistUrl` (browsers; Node's fetch has no file: URLs, use grokedge/node). */
export function loadMnistDigits(): Promise<MnistData> {
  return loadMnist(new URL(mnistUrl));
}
