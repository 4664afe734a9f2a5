/**
 * Sends one request exactly as built, byte for byte: node:http, not fetch, because fetch normalises
 * paths (dot segments, percent-encoding), refuses some header values and always frames the body
 * itself, and hostile requests need raw paths, repeated headers, invalid UTF-8 and chunked bodies.
 */
import { Agent, request as httpRequest } from "node:http";

export interface RawRequest {
  method: string;
  /** Path and query exactly as they go on the request line (already percent-encoded). */
  target: string;
  /** In order; a name may repeat (two Authorization headers). Values are sent as latin1 bytes. */
  headers: [string, string][];
  body?: Uint8Array;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  /** 0: no response (the connection failed or was closed). */
  status: number;
  contentType: string;
  text: string;
  /** Why there was no response, when status is 0. */
  transportError?: string;
}

// A fresh connection per request: a hostile request may leave its connection unusable (a body the
// server never read), and a reused one would then fail the next request, not the hostile one.
const agent = new Agent({ keepAlive: false });
/** Longest reply body kept: an error, or enough of a large reply (a page of runs) to parse its first bytes. */
const MAX_TEXT = 4 << 20;
const TIMEOUT_MS = 60_000;

export function sendRaw(origin: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(origin);
  return new Promise((resolve) => {
    // Raw header lines ([name, value, name, value, …]) keep repeats and order; Node then adds none of its own.
    const framing: [string, string][] = req.body === undefined ? [] : req.chunked ? [["transfer-encoding", "chunked"]] : [["content-length", String(req.body.length)]];
    const outgoing = httpRequest({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: req.target,
      agent,
      headers: [["host", url.host], ...req.headers, ...framing].flat(),
      timeout: TIMEOUT_MS,
      // Parse whatever comes back: a malformed reply is recorded, not thrown.
      insecureHTTPParser: true,
    });
    const fail = (error: Error) => resolve({ status: 0, contentType: "", text: "", transportError: error.message });
    outgoing.on("error", fail);
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no reply within ${TIMEOUT_MS / 1000} s`)));
    outgoing.on("response", (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on("data", (chunk: Buffer) => {
        if (size < MAX_TEXT) chunks.push(chunk);
        size += chunk.length;
      });
      incoming.on("error", fail);
      incoming.on("end", () => {
        resolve({ status: incoming.statusCode ?? 0, contentType: String(incoming.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") });
        // A server may answer (a 413) before reading the whole body: stop sending it, and close.
        outgoing.destroy();
      });
    });
    if (req.body === undefined) outgoing.end();
    else if (req.chunked) {
      // Several chunks, so a streaming body limit sees the size grow rather than one declared length.
      const step = Math.max(1, Math.ceil(req.body.length / 8));
      for (let i = 0; i < req.body.length; i += step) outgoing.write(req.body.subarray(i, i + step));
      outgoing.end();
    } else outgoing.end(req.body);
  });
}

/** Closes any connection still open (so the process can exit). */
export function closeConnections(): void {
  agent.destroy();
}
