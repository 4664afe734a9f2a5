// Trains grokedge runs inside a Cloudflare Worker, on the package's simd build (one thread):
//
//   GET  /   trains config.json and answers its RunResult (summary.paramsHash, curves, meta)
//   POST /   trains the run config in the request body; 400 naming each bad field if it is invalid
//
// The build must be passed as `kernels`: a Worker has no file to load a default build from, and
// wrangler imports the .wasm file as an already compiled WebAssembly.Module.
import { RunConfigError, train } from "grokedge";
import simd from "grokedge/simd.wasm";
import config from "../config.json";

async function runConfigOf(request: Request): Promise<unknown> {
  if (request.method === "GET") return config;
  try {
    return await request.json();
  } catch {
    throw new RunConfigError([{ path: "", message: "the request body must be a run config in JSON" }]);
  }
}

export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== "/") return new Response("GET / trains config.json; POST / trains the run config in the body\n", { status: 404 });
    if (request.method !== "GET" && request.method !== "POST") return new Response("GET or POST only\n", { status: 405, headers: { allow: "GET, POST" } });
    try {
      return Response.json(await train(await runConfigOf(request), { kernels: simd }));
    } catch (error) {
      if (error instanceof RunConfigError) return Response.json({ error: error.message }, { status: 400 });
      throw error;
    }
  },
} satisfies ExportedHandler;
