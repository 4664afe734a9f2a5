/**
 * Browser entry of the test page (bundled by tests/support/test-page.ts): the universal `train` on
 * the page itself, and training in a coordinator worker with a thread pool.
 */
import { train } from "../../src/index.js";
import { trainInBackground } from "../../src/threads/background.js";
import type { PageTrain, PageTrainInBackground } from "./page-api.js";

const at = (path: string) => new URL(path, location.href).href;

const grokedgeTrain: PageTrain = (config) => train(config, { kernels: new URL(at("/build/simd.wasm")) });
const grokedgeTrainInBackground: PageTrainInBackground = (config, threads) =>
  trainInBackground(config, {
    threads,
    coordinatorUrl: at("/coordinator.js"),
    poolWorkerUrl: at("/pool-worker.js"),
    simdUrl: at("/build/simd.wasm"),
    threadsUrl: at("/build/simd-threads.wasm"),
  });
window.grokedgeTrain = grokedgeTrain;
window.grokedgeTrainInBackground = grokedgeTrainInBackground;
