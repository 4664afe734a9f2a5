/** Loads both kernel builds once per test file and moves data in and out of the arena. */
import type { BuildName, KernelInstance } from "../../src/wasm/loader.js";
import { loadBuild } from "../../src/hosts/node/builds.js";

export const BUILDS: readonly BuildName[] = ["simd", "simd-threads"];

const cache = new Map<BuildName, Promise<KernelInstance>>();

export function kernelsFor(build: BuildName): Promise<KernelInstance> {
  let instance = cache.get(build);
  if (!instance) cache.set(build, (instance = loadBuild(build)));
  return instance;
}

/** Copies `values` into freshly allocated arena memory and returns the offset. */
export function putF32(k: KernelInstance, values: ArrayLike<number>): number {
  const ptr = k.arena.allocF32(Math.max(values.length, 1));
  k.arena.f32(ptr, values.length).set(values);
  return ptr;
}

export function putI32(k: KernelInstance, values: ArrayLike<number>): number {
  const ptr = k.arena.alloc(Math.max(values.length, 1) * 4);
  k.arena.i32(ptr, values.length).set(values);
  return ptr;
}

export function getF32(k: KernelInstance, ptr: number, length: number): Float32Array {
  return k.arena.f32(ptr, length).slice();
}

/** Runs `body` and frees everything it allocated, so property tests with many cases don't exhaust memory. */
export function scoped<T>(k: KernelInstance, body: () => T): T {
  const mark = k.arena.mark();
  try {
    return body();
  } finally {
    k.arena.release(mark);
  }
}
