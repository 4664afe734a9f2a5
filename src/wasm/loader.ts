/**
 * Instantiates a kernel build from bytes, a URL or an already compiled `WebAssembly.Module`
 * (Cloudflare Workers only instantiate precompiled modules), and gives it an arena.
 *
 * The build is recognised from the module itself: `simd-threads` imports a shared `env.memory`,
 * `simd` exports a memory of its own.
 */
import { WasmArena, type Arena } from "./arena.js";
import type { KernelExports } from "./kernels.js";

export type BuildName = "simd" | "simd-threads";

/** Must equal `maximumMemory` of the simd-threads target in asconfig.json (an imported memory may not declare more). */
export const SHARED_MAXIMUM_PAGES = 16384;
const INITIAL_PAGES = 16;

export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | Response;

export interface KernelInstance {
  build: BuildName;
  module: WebAssembly.Module;
  kernels: KernelExports;
  memory: WebAssembly.Memory;
  arena: Arena;
}

export interface LoadOptions {
  /** For `simd-threads`: the shared memory to run over (every thread of a pool passes the same one). Created when absent. */
  memory?: WebAssembly.Memory;
}

/**
 * Cloudflare Workers (workerd) name themselves so in `navigator.userAgent` (every compatibility date
 * since 2022-03-21). They compile no WebAssembly at run time ("Wasm code generation disallowed by
 * embedder") and have no file next to this package to load a default build from, so a Worker must
 * pass the compiled module: the errors below say how, instead of the runtime's own.
 */
export function inCloudflareWorkers(): boolean {
  return typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
}

const PASS_THE_MODULE =
  'pass the compiled simd build as `kernels`: `import simd from "grokedge/simd.wasm";` (wrangler imports a .wasm file as a WebAssembly.Module), then `train(config, { kernels: simd })`';

/** For train() called without `kernels`: in a Worker there is no default build to load. */
export function requireKernelsInWorkers(source: unknown): void {
  if (source === undefined && inCloudflareWorkers()) throw new TypeError(`train: no \`kernels\` given, and Cloudflare Workers have no default build to load; ${PASS_THE_MODULE}`);
}

export async function compileKernels(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (inCloudflareWorkers()) {
    const given = source instanceof URL ? `the URL ${source.href}` : typeof Response !== "undefined" && source instanceof Response ? "a Response" : "bytes";
    throw new TypeError(`loadKernels: Cloudflare Workers cannot compile WebAssembly at run time, so \`kernels\` must be a compiled WebAssembly.Module, not ${given}; ${PASS_THE_MODULE}`);
  }
  if (source instanceof URL) return WebAssembly.compile(await (await fetchOk(source)).arrayBuffer());
  if (typeof Response !== "undefined" && source instanceof Response) return WebAssembly.compile(await source.arrayBuffer());
  return WebAssembly.compile(source as BufferSource);
}

export function buildOf(module: WebAssembly.Module): BuildName {
  const importsMemory = WebAssembly.Module.imports(module).some((i) => i.kind === "memory");
  return importsMemory ? "simd-threads" : "simd";
}

export async function loadKernels(source: WasmSource, options: LoadOptions = {}): Promise<KernelInstance> {
  const module = await compileKernels(source);
  const build = buildOf(module);
  let memory = options.memory;
  if (build === "simd" && memory) throw new TypeError("loadKernels: the simd build owns its memory; pass `memory` only with simd-threads");
  if (build === "simd-threads") {
    if (typeof SharedArrayBuffer === "undefined") throw new TypeError("loadKernels: the simd-threads build needs SharedArrayBuffer (a cross-origin isolated page)");
    memory ??= new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  }
  const instance = await WebAssembly.instantiate(module, memory ? { env: { memory } } : {});
  const kernels = instance.exports as unknown as KernelExports;
  memory ??= kernels.memory;
  return { build, module, kernels, memory, arena: new WasmArena(memory, kernels.heap_base()) };
}

async function fetchOk(url: URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadKernels: fetching ${url} failed with HTTP ${response.status}`);
  return response;
}
