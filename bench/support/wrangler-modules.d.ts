// What wrangler's default module rules give a Worker for these imports (the Workers under
// bench/workers-runtime/ and tests/workers-runtime/): a .wasm file as a compiled WebAssembly.Module
// (CompiledWasm: Workers cannot compile wasm at run time) and a .bin file as its bytes (Data).
declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}

declare module "*.bin" {
  const bytes: ArrayBuffer;
  export default bytes;
}
