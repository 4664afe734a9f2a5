/**
 * The Node hosts of `Ops`: the single-thread simd build on this thread, and thread pools of 1–4
 * threads over the simd-threads build (worker_threads). The browser's hosts are in
 * tests/browser/ops-conformance-entry.ts.
 */
import { loadBuild } from "../../../src/hosts/node/builds.js";
import { createNodeThreadPool } from "../../../src/hosts/node/pool.js";
import { serialOps, type Ops } from "../../../src/ops/ops.js";
import type { KernelInstance } from "../../../src/wasm/loader.js";

export interface OpenHost {
  kernels: KernelInstance;
  ops: Ops;
  close(): Promise<void>;
}

export interface Host {
  name: string;
  open(): Promise<OpenHost>;
}

export const SERIAL_HOST: Host = {
  name: "serial (simd build)",
  async open() {
    const kernels = await loadBuild("simd");
    return { kernels, ops: serialOps(kernels.kernels), close: async () => {} };
  },
};

export const nodePoolHost = (threads: number): Host => ({
  name: `Node pool of ${threads} thread${threads === 1 ? "" : "s"} (simd-threads build)`,
  async open() {
    const pool = await createNodeThreadPool(threads);
    return { kernels: pool.kernels, ops: pool.ops, close: () => pool.close() };
  },
});

export const NODE_POOL_THREADS = [1, 2, 3, 4] as const;

/** Every Node host; the first is the serial one the others are compared with. */
export const HOSTS: readonly Host[] = [SERIAL_HOST, ...NODE_POOL_THREADS.map(nodePoolHost)];
