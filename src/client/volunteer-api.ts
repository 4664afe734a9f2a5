/**
 * The volunteer protocol's API calls (register, refresh the token, lease, progress, result, this
 * volunteer's verdicts) and how failures are told apart: an ApiFailure with the status, the API's
 * error code and its Retry-After, transient or not, and the backoff between retries. Runtime-agnostic (fetch only); the loop is volunteer.ts,
 * the CLI's other requests (src/cli/api.ts) reuse apiRequest.
 */
import type { z } from "zod";
import type { RunResult } from "../config/run-result.js";
import type { Progress } from "../index.js";
import type { ClientResultsReply, Lease, ProgressReply, RegisteredClient, ResultVerdict, registerClientSchema } from "../../worker/src/schema.js";

/** What a volunteer tells the API about itself when it registers. */
export type Capabilities = z.input<typeof registerClientSchema>;
/** A backend a client may offer when it asks for work; the lease names the one to train the unit with. */
export type LeaseBackend = Lease["backend"];
/** One of this volunteer's results with its verdict so far (GET /api/clients/me/results). */
export type ClientResult = ClientResultsReply["results"][number];

/** What a volunteer asks for when it asks for work. */
export interface LeaseRequest {
  /** The backends it can train with, at least one. */
  backends: readonly LeaseBackend[];
  /** Take work of this sweep only. */
  sweep?: string;
  /**
   * Sent as Idempotency-Key: a fresh one per lease attempt, the same on that attempt's retries, so
   * a lease whose reply was lost is answered again instead of leaving a second, ghost lease.
   */
  idempotencyKey?: string;
}

// ---- the API calls ------------------------------------------------------------------------------

/**
 * A request that failed: `status` 0 when no response came (network, DNS, refused connection);
 * `code` is the API's error code (`sweep_not_found`), or for status 0 the network error's (`ECONNREFUSED`);
 * `retryAfterMs` how long the reply's Retry-After asks to wait (429, 503), if it gave one.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    message: string,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ApiFailure";
  }

  /** Worth retrying: no response, a server error or rate limiting (anything else will fail again). */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export interface VolunteerApi {
  /** The API's origin, as given. */
  readonly origin: string;
  register(capabilities: Capabilities): Promise<RegisteredClient>;
  /** A fresh token for the client of `token`, which may have expired (POST /api/clients/me/token). */
  refreshToken(token: string): Promise<RegisteredClient>;
  /** The next unit to train, or null when there is no work (204). */
  lease(token: string, request: LeaseRequest): Promise<Lease | null>;
  progress(token: string, leaseId: string, body: { step: number; metrics?: Progress["point"] }): Promise<ProgressReply>;
  result(token: string, leaseId: string, body: { result: RunResult; timings: { wallSeconds: number; setupSeconds?: number } }): Promise<ResultVerdict>;
  /** This volunteer's results, newest first (at most 100), with their verdicts so far. */
  myResults(token: string): Promise<ClientResult[]>;
}

export interface ApiRequest {
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** More request headers. */
  headers?: Record<string, string>;
  /** "text": a successful reply is returned as text (CSV), not parsed. Error replies are always JSON. */
  accept?: "json" | "text";
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** One request to the API; throws an ApiFailure naming the method, the URL and what went wrong. */
export async function apiRequest<T>(origin: string, method: string, path: string, { token, body, headers: extraHeaders, accept = "json", fetch: fetchImpl = fetch, signal }: ApiRequest = {}): Promise<{ status: number; body: T | null; text: string }> {
  const url = new URL(path, origin).href;
  const headers: Record<string, string> = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: unknown } })?.cause;
    throw new ApiFailure(0, url, `${method} ${url}: ${describeNetworkError(error)}`, typeof cause?.code === "string" ? cause.code : undefined);
  }
  if (response.ok && accept === "text") return { status: response.status, body: null, text };
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiFailure(response.status, url, `${method} ${url}: ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const message = `${method} ${url}: ${response.status} ${error?.code ?? ""} ${error?.message ?? text.slice(0, 200)}`.replace(/\s+/g, " ").trim();
    throw new ApiFailure(response.status, url, message, error?.code, retryAfterMillis(response.headers.get("retry-after")));
  }
  return { status: response.status, body: parsed as T, text };
}

/** A Retry-After header as milliseconds from `now`: delay-seconds or an HTTP date; undefined if absent or unreadable. */
export function retryAfterMillis(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = /[A-Za-z]/.test(text) ? Date.parse(text) : NaN;
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Delay before retry number `attempt` (1, 2, …): `baseMs` doubled per attempt up to `maxMs`, then
 * scaled by a random factor in [0.5, 1) so that clients that failed together do not retry together.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30)) * (0.5 + random() / 2);
}

/** The volunteer endpoints over fetch. */
export function createVolunteerApi(origin: string, fetchImpl?: typeof fetch): VolunteerApi {
  const call = <T>(method: string, path: string, init: ApiRequest = {}) => apiRequest<T>(origin, method, path, { ...init, fetch: fetchImpl });
  const required = <T>(reply: { body: T | null }, what: string): T => {
    if (reply.body === null) throw new ApiFailure(0, origin, `${what} returned no body`);
    return reply.body;
  };
  return {
    origin,
    async register(capabilities) {
      return required(await call<RegisteredClient>("POST", "/api/clients", { body: capabilities }), "POST /api/clients");
    },
    async refreshToken(token) {
      return required(await call<RegisteredClient>("POST", "/api/clients/me/token", { token }), "POST /api/clients/me/token");
    },
    async lease(token, { backends, sweep, idempotencyKey }) {
      const query = `backends=${backends.map(encodeURIComponent).join(",")}${sweep === undefined ? "" : `&sweep=${encodeURIComponent(sweep)}`}`;
      const headers = idempotencyKey === undefined ? undefined : { "idempotency-key": idempotencyKey };
      const reply = await call<{ lease: Lease }>("POST", `/api/leases?${query}`, { token, headers });
      return reply.status === 204 || reply.body === null ? null : reply.body.lease;
    },
    async progress(token, leaseId, body) {
      return required(await call<ProgressReply>("POST", `/api/leases/${leaseId}/progress`, { token, body }), "POST progress");
    },
    async result(token, leaseId, body) {
      return required(await call<{ result: ResultVerdict }>("POST", `/api/leases/${leaseId}/result`, { token, body }), "POST result").result;
    },
    async myResults(token) {
      return required(await call<ClientResultsReply>("GET", "/api/clients/me/results", { token }), "GET /api/clients/me/results").results;
    },
  };
}

/** fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND …) is its cause. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${message} (${cause.code})` : cause?.message ? `${message} (${cause.message})` : message;
}
