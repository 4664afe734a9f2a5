/** The peer: @tensorflow/tfjs-backend-wasm pinned to its single-thread SIMD binary, in this process. */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";

export async function tfjsWasmSingleThread(): Promise<typeof tf> {
  // Without this flag tfjs-wasm may pick its threaded binary; the comparison is one thread against one thread.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend did not initialise");
  await tf.ready();
  if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"))) throw new Error("tfjs: this runtime has no wasm SIMD; the comparison would be unfair");
  return tf;
}
