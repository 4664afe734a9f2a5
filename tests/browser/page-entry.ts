/**
 * Browser entry of the cross-engine test page: the universal `train` with the simd build fetched
 * from the page's own server. Bundled by esbuild in train-in-chromium.test.ts.
 */
import { train } from "../../src/index.js";
import type { PageTrain } from "./page-api.js";

const grokedgeTrain: PageTrain = (config) => train(config, { kernels: new URL("/build/simd.wasm", location.href) });
window.grokedgeTrain = grokedgeTrain;
