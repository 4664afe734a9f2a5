/** What this browser offers for training, found without training anything (the GPU adapter: see gpu.ts). */

/** WebAssembly SIMD: whether the browser validates a minimal module that uses a v128 instruction. */
export function hasWasmSimd(): boolean {
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  return WebAssembly.validate(bytes);
}

/** Logical cores, within what the API accepts at registration (1 to 1024). */
export function logicalCores(): number {
  return Math.max(1, Math.min(1024, navigator.hardwareConcurrency || 1));
}
