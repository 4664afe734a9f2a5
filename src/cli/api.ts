/**
 * The CLI's side of the HTTP API: which server (--api, else GROKEDGE_API), and requests that retry
 * what may pass (no response, 5xx, 429; a POST only if the server certainly did not act on it) with
 * exponential backoff and jitter before giving up with an UnreachableError naming the URL and the last
 * failure (exit 3; a server that keeps answering 5xx: exit 1). A refusal (4xx) is not retried.
 */
import { ApiFailure, apiRequest, backoffDelay, type ApiRequest } from "../client/volunteer-api.js";
import { CliError, EXIT, UnreachableError, UsageError } from "./errors.js";
import type { CliIo } from "./io.js";

export const API_ENV = "GROKEDGE_API";

/** Attempts per request, and the backoff between them: about 0.5, 1, 2 s (jittered) — 4 attempts within ~4 s. */
export const DEFAULT_ATTEMPTS = 4;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8_000;

/** The API origin from --api or $GROKEDGE_API, checked to be an http(s) URL. */
export function apiOrigin(flag: string | undefined, env: CliIo["env"]): string {
  const given = flag ?? env[API_ENV];
  if (!given) throw new UsageError(`no API given: pass --api URL or set ${API_ENV} (e.g. http://127.0.0.1:8787)`);
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--api: not a URL: "${given}" (expected e.g. http://127.0.0.1:8787)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--api: expected an http(s) URL, got "${given}"`);
  return url.origin;
}

export interface CliApi {
  readonly origin: string;
  get<T>(path: string, init?: Omit<ApiRequest, "body">): Promise<T>;
  getText(path: string): Promise<string>;
  post<T>(path: string, body: unknown, init?: Omit<ApiRequest, "body">): Promise<T>;
}

/**
 * A POST is retried only when the server certainly did not act on it — no connection was made, or
 * it answered 429/503 — so that a sweep is never created twice.
 */
function neverProcessed(error: ApiFailure): boolean {
  return error.status === 429 || error.status === 503 || (error.status === 0 && ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(error.code ?? ""));
}

export function createCliApi(origin: string, { attempts = DEFAULT_ATTEMPTS, log }: { attempts?: number; log?: (line: string) => void } = {}): CliApi {
  async function withRetries<T>(method: string, path: string, init: ApiRequest): Promise<{ body: T | null; text: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await apiRequest<T>(origin, method, path, init);
      } catch (error) {
        if (!(error instanceof ApiFailure && error.transient && (method === "GET" || neverProcessed(error)))) throw error;
        if (attempt >= attempts) {
          const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
          if (error.status === 0) throw new UnreachableError(`cannot reach the API at ${origin}: ${error.message} (${tries})`, { cause: error });
          throw new CliError(`the API at ${origin} keeps failing: ${error.message} (${tries})`, EXIT.failure, { cause: error });
        }
        // A 429 or 503 may say how long to wait (Retry-After): never sooner than that.
        const delay = Math.max(backoffDelay(attempt, RETRY_BASE_MS, RETRY_MAX_MS), error.retryAfterMs ?? 0);
        log?.(`${error.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  return {
    origin,
    async get<T>(path: string, init: Omit<ApiRequest, "body"> = {}) {
      return (await withRetries<T>("GET", path, init)).body as T;
    },
    async getText(path: string) {
      return (await withRetries<never>("GET", path, { accept: "text" })).text;
    },
    async post<T>(path: string, body: unknown, init: Omit<ApiRequest, "body"> = {}) {
      return (await withRetries<T>("POST", path, { ...init, body })).body as T;
    },
  };
}
