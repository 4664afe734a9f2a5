/**
 * A static file server for browser tests: 127.0.0.1 on a free port, every response cross-origin
 * isolated (COOP same-origin + COEP require-corp, so pages get SharedArrayBuffer), correct
 * content types (application/wasm for .wasm, which WebAssembly.compileStreaming insists on).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, resolve, sep } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
};

export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
} as const;

/** `urlPrefix` (starting and ending with "/") served from the directory `dir`. */
export interface Mount {
  urlPrefix: string;
  dir: string;
}

export interface IsolatedServer {
  /** e.g. "http://127.0.0.1:41234/" */
  origin: string;
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * Serves the mounts (longest prefix first); "/" maps to "/index.html". Anything else is a 404.
 * `isolated: false` leaves out the COOP/COEP headers (a page without SharedArrayBuffer).
 */
export async function startIsolatedServer(mounts: readonly Mount[], { isolated = true }: { isolated?: boolean } = {}): Promise<IsolatedServer> {
  const ordered = [...mounts].sort((a, b) => b.urlPrefix.length - a.urlPrefix.length);
  const headers = isolated ? ISOLATION_HEADERS : {};
  const server: Server = createServer((request, response) => {
    void respond(ordered, headers, request.method ?? "GET", request.url ?? "/", response);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}/`;
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

async function respond(mounts: readonly Mount[], headers: Record<string, string>, method: string, rawUrl: string, response: import("node:http").ServerResponse): Promise<void> {
  const send = (status: number, body: string) => {
    response.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    response.end(body);
  };
  if (method !== "GET" && method !== "HEAD") return send(405, "method not allowed\n");
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(rawUrl, "http://localhost").pathname);
  } catch {
    return send(400, "bad request\n");
  }
  if (pathname === "/") pathname = "/index.html";
  const mount = mounts.find((m) => pathname.startsWith(m.urlPrefix));
  if (!mount) return send(404, `not found: ${pathname}\n`);
  const root = resolve(mount.dir);
  const file = resolve(root, "." + sep + pathname.slice(mount.urlPrefix.length));
  if (file !== root && !file.startsWith(root + sep)) return send(403, "forbidden\n");
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return send(404, `not found: ${pathname}\n`);
  response.writeHead(200, {
    ...headers,
    "Content-Type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": String(info.size),
    "Cache-Control": "no-store",
  });
  if (method === "HEAD") return void response.end();
  createReadStream(file)
    .on("error", () => response.destroy())
    .pipe(response);
}
