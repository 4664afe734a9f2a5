/**
 * A Worker that trains with grokedge as a user's Worker would: the simd build imported as a compiled
 * WebAssembly.Module, one thread, a run config in and the RunResult out.
 *
 *   POST /train  { config, kernels: "module" | "missing" | { base64 } }
 *     → 200 the RunResult, or 500 { name, message } of the error train() threw
 *
 * "missing" calls train() without `kernels` and `{ base64 }` passes the given bytes, so the tests
 * can see the errors a Worker gets for forgetting the module or passing bytes.
 */
import simd from "../../build/simd.wasm";
import { train, type TrainOptions } from "../../src/index.js";

interface TrainRequest {
  config: unknown;
  kernels: "module" | "missing" | { base64: string };
}

function kernelsOf(choice: TrainRequest["kernels"]): TrainOptions["kernels"] {
  if (choice === "module") return simd;
  if (choice === "missing") return undefined;
  return Uint8Array.from(atob(choice.base64), (c) => c.charCodeAt(0));
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST" || pathname !== "/train") return new Response("POST /train only", { status: 404 });
    const { config, kernels } = (await request.json()) as TrainRequest;
    try {
      return Response.json(await train(config, { kernels: kernelsOf(kernels) }));
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return Response.json({ name, message }, { status: 500 });
    }
  },
};
