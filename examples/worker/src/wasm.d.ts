// What wrangler gives for `import x from "….wasm"`: the module compiled ahead of time (its
// CompiledWasm rule), the only form of WebAssembly a Worker can instantiate.
declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}
