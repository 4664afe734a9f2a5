/**
 * Browser entry of the ops conformance test (tests/browser/ops-conformance.test.ts), bundled by
 * esbuild and run as a module Web Worker on a cross-origin isolated page: a thread pool's
 * coordinator blocks in Atomics.wait, which the page's main thread may not. Given a host — the
 * single-thread simd build, or a pool of Web Workers over simd-threads — it runs every conformance
 * case and posts back each output's SHA-256.
 */
import { createBrowserThreadPool } from "../../src/hosts/browser/pool.js";
import { serialOps, type Ops } from "../../src/ops/ops.js";
import { loadKernels, type KernelInstance } from "../../src/wasm/loader.js";
import { digestOutputs, type Digests } from "../ops/conformance/digest.js";
import { CASES } from "../ops/conformance/op-cases.js";

export type BrowserHost = { kind: "serial" } | { kind: "pool"; threads: number };

export interface ConformanceRequest {
  host: BrowserHost;
  /** Absolute URLs of build/simd.wasm, build/simd-threads.wasm and the bundled pool worker. */
  simdUrl: string;
  threadsUrl: string;
  poolWorkerUrl: string;
}

export type ConformanceReply =
  | { ok: true; crossOriginIsolated: boolean; build: string; digests: Record<string, Digests | { error: string }>; ms: number }
  | { ok: false; error: string };

interface Opened {
  kernels: KernelInstance;
  ops: Ops;
  close(): Promise<void>;
}

async function open(request: ConformanceRequest): Promise<Opened> {
  if (request.host.kind === "serial") {
    const kernels = await loadKernels(new URL(request.simdUrl));
    return { kernels, ops: serialOps(kernels.kernels), close: async () => {} };
  }
  const module = await WebAssembly.compileStreaming(fetch(request.threadsUrl));
  const pool = await createBrowserThreadPool(module, request.host.threads, new URL(request.poolWorkerUrl));
  return { kernels: pool.kernels, ops: pool.ops, close: () => pool.close() };
}

async function runAll(request: ConformanceRequest): Promise<ConformanceReply> {
  const t0 = performance.now();
  const host = await open(request);
  try {
    const digests: Record<string, Digests | { error: string }> = {};
    for (const c of CASES) {
      try {
        digests[c.name] = await digestOutputs(c.run(host.kernels, host.ops).outputs);
      } catch (error) {
        // A failed case (a guard, a trap) is reported as such; the others still run.
        digests[c.name] = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    return { ok: true, crossOriginIsolated: self.crossOriginIsolated, build: host.kernels.build, digests, ms: performance.now() - t0 };
  } finally {
    await host.close();
  }
}

const scope = self as unknown as { onmessage: ((event: MessageEvent<ConformanceRequest>) => void) | null; postMessage(reply: ConformanceReply): void };
scope.onmessage = (event) => {
  runAll(event.data).then(
    (reply) => scope.postMessage(reply),
    (error: unknown) => scope.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
};
