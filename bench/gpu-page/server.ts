/**
 * A static server for the benchmark page on 127.0.0.1 (a secure context, which navigator.gpu needs),
 * cross-origin isolated (COOP + COEP: SharedArrayBuffer for the wasm engine's thread pool): the
 * bundle's directory at "/", the repository's build/ (kernels, MNIST) at "/build/".
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm", ".bin": "application/octet-stream" };
const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePage(pageDir: string, buildDir: string): Promise<PageServer> {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname));
    const file = path === "/" ? join(pageDir, "index.html") : path.startsWith("/build/") ? join(buildDir, path.slice("/build/".length)) : join(pageDir, path);
    const body = path.includes("..") ? undefined : await readFile(file).catch(() => undefined);
    if (!body) {
      response.writeHead(404, ISOLATION).end(`not found: ${path}\n`);
      return;
    }
    response.writeHead(200, { ...ISOLATION, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
