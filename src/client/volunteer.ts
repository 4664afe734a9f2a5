/**
 * The volunteer protocol, shared by the page (web/volunteer.ts) and the headless contributor
 * (`grokedge volunteer`, src/cli/volunteer.ts), so both speak to the API exactly alike:
 *
 *   register once → lease a unit, offering the backends the host can train with → train it with the
 *   backend the lease names, reporting progress at every evaluation (and a heartbeat between
 *   evaluations far apart, so the lease does not run out) and stopping when the API says so → post
 *   the result → lease the next one.
 *
 * No work: ask again later. A failed request: retry with exponential backoff and jitter, capped, and
 * never sooner than the reply's Retry-After (rate limits, the lease cap); a result is retried until
 * it is delivered (posting it is idempotent, and the API takes it even after the lease expired while
 * the unit still needs it). A lease request carries an Idempotency-Key, fresh per attempt and the same
 * on that attempt's retries, so a lease whose reply was lost is answered again, not leased twice. An
 * expired token (401 token_expired) is refreshed and the call made again; any other 401 when asking
 * for work means this server does not know the client: it registers afresh. The heartbeat sends the
 * current step, and only once it has moved on: the API renews a lease only for a step beyond the
 * last one reported. Runtime-agnostic: the host says how to train
 * (trainInBackground in a page, grokedge/node in Node), where to keep the client's identity, and
 * listens to events to show what happens. No DOM and no Node built-ins here.
 */
import type { RunConfig } from "../config/run-config.js";
import type { RunResult } from "../config/run-result.js";
import type { Progress } from "../index.js";
import type { Lease, RegisteredClient, ResultVerdict } from "../../worker/src/schema.js";
import { ApiFailure, backoffDelay, type Capabilities, type LeaseBackend, type VolunteerApi } from "./volunteer-api.js";

// ---- the loop -----------------------------------------------------------------------------------

export interface VolunteerTiming {
  /** Wait this long before asking again when there is no work. */
  noWorkRetryMs: number;
  /** First retry delay after a failure; doubled per consecutive failure up to retryMaxMs, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Report progress (without metrics) at least this often, so a lease with evaluations far apart
   * stays alive: a quarter of the API's heartbeat timeout (120 s, worker/src/routes/leases.ts), so
   * that up to three heartbeats in a row may be lost.
   */
  heartbeatMs: number;
}

export const DEFAULT_TIMING: VolunteerTiming = { noWorkRetryMs: 30_000, retryBaseMs: 1_000, retryMaxMs: 30_000, heartbeatMs: 30_000 };

/**
 * What the protocol keeps of its registration: the client and its token, and when the token expires
 * (registrations stored before tokens expired lack it; an expired token is refreshed when the API
 * says so, whatever is stored).
 */
export type StoredClient = Pick<RegisteredClient, "clientId" | "token"> & Partial<Pick<RegisteredClient, "expiresAt">>;

/** Where the host keeps the client's registration between leases (localStorage in a page, a file in the CLI). */
export interface IdentityStore {
  load(): StoredClient | null;
  save(client: StoredClient | null): void;
}

export interface VolunteerHost {
  capabilities(): Capabilities;
  identity: IdentityStore;
  /** The backends to offer, asked before every lease (a page's volunteer may allow the GPU between units). */
  backends(): readonly LeaseBackend[];
  /**
   * Trains a leased unit's config with the backend its lease names (its result's meta.backend must
   * be that one); aborting `signal` must reject the run.
   */
  train(config: RunConfig, options: { backend: LeaseBackend; onProgress: (progress: Progress) => void; signal: AbortSignal }): Promise<RunResult>;
}

/** What happens, for the host to show; every handler is optional. */
export interface VolunteerEvents {
  registered?(client: RegisteredClient): void;
  /** The client's token had expired and was renewed (and saved). */
  tokenRefreshed?(client: RegisteredClient): void;
  leased?(lease: Lease): void;
  progress?(lease: Lease, progress: Progress): void;
  /** The API said stop (the unit was validated or failed meanwhile, or the lease expired). */
  stopped?(lease: Lease, reason: string): void;
  completed?(lease: Lease, result: RunResult, verdict: ResultVerdict, wallSeconds: number): void;
  /** No work; the next ask is in `retryMs`. */
  idle?(retryMs: number): void;
  /** A request or a run failed; the next attempt is in `retryMs` (0: training goes on regardless). */
  failed?(context: string, error: unknown, retryMs: number): void;
}

export interface VolunteerOptions {
  api: VolunteerApi;
  host: VolunteerHost;
  events?: VolunteerEvents;
  /** Take work of this sweep only. */
  sweep?: string;
  /** Stop now: a unit in training is abandoned (its lease expires and the unit returns to the pool). */
  signal?: AbortSignal;
  /** Stop once the unit in training is done and reported (at once if there is none). */
  finish?: AbortSignal;
  /** Stop after this many results are posted. */
  maxUnits?: number;
  /** Lease no unit at or after this time (ms since the epoch); a unit in training is finished. */
  until?: number;
  /**
   * Give up instead of retrying (throw the ApiFailure) when asking for work is refused (a 4xx other
   * than 401: an unknown sweep, say), or when the API has not answered `firstContactAttempts`
   * requests in a row since the loop started (a wrong URL). Once it has answered, network loss is
   * waited out. Unset (the page): every failure is retried.
   */
  strict?: { firstContactAttempts: number };
  timing?: Partial<VolunteerTiming>;
  /** Jitter source (tests pin it). */
  random?: () => number;
}

export type VolunteerEnd = "max-units" | "until" | "finish" | "signal";

export interface VolunteerReport {
  /** Results posted and answered by the API. */
  units: number;
  /** Training steps of those results. */
  steps: number;
  /** Verdicts of those results by status (pending, valid, invalid, …). */
  verdicts: Record<string, number>;
  /** Units the API stopped before they finished. */
  stopped: number;
  /** The lease of a unit abandoned when the loop was stopped during its training, if any. */
  abandoned: Lease | null;
  endedBy: VolunteerEnd;
}

/** Thrown inside a run when the API says stop. */
class StoppedByApi extends Error {}

/** Runs the protocol until a stop condition; resolves with what was contributed. */
export async function runVolunteer(options: VolunteerOptions): Promise<VolunteerReport> {
  const { api, host, events = {} } = options;
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const random = options.random ?? Math.random;
  const report: VolunteerReport = { units: 0, steps: 0, verdicts: {}, stopped: 0, abandoned: null, endedBy: "signal" };
  let failures = 0;
  let contacted = false;
  const backoff = () => backoffDelay(failures, timing.retryBaseMs, timing.retryMaxMs, random);
  const succeeded = () => {
    failures = 0;
    contacted = true;
  };
  /**
   * Counts a failure and returns the delay before the next attempt: the backoff, or the reply's
   * Retry-After if longer. In strict mode, throws one not worth waiting out. Rate limiting (429) is
   * an answer: the API is there.
   */
  const failure = (error: unknown): number => {
    failures++;
    if (error instanceof ApiFailure && error.status === 429) contacted = true;
    if (options.strict && error instanceof ApiFailure && !contacted && failures >= options.strict.firstContactAttempts) throw error;
    return Math.max(backoff(), error instanceof ApiFailure ? (error.retryAfterMs ?? 0) : 0);
  };
  const ended = (): VolunteerEnd | null =>
    options.signal?.aborted ? "signal" : options.finish?.aborted ? "finish" : options.maxUnits !== undefined && report.units >= options.maxUnits ? "max-units" : options.until !== undefined && Date.now() >= options.until ? "until" : null;
  /** Waits, waking early on a stop signal and at `until`. */
  const pause = (ms: number) => wait(options.until === undefined ? ms : Math.max(0, Math.min(ms, options.until - Date.now())), [options.signal, options.finish]);
  const session = new Session(api, host.identity, events);
  /** The Idempotency-Key of the lease attempt under way: kept through its retries, dropped once it is answered. */
  let leaseKey: string | null = null;

  for (;;) {
    const end = ended();
    if (end) return { ...report, endedBy: end };
    let lease: Lease | null;
    try {
      if (!session.registered()) await session.register(host.capabilities());
      succeeded();
      leaseKey ??= newLeaseKey();
      const idempotencyKey = leaseKey;
      try {
        lease = await session.authorized((token) => api.lease(token, { backends: host.backends(), sweep: options.sweep, idempotencyKey }));
      } catch (error) {
        // A token this server does not recognise (new secret, reset database), or past refreshing: register afresh.
        if (error instanceof ApiFailure && error.status === 401) {
          session.forget();
          leaseKey = null;
          continue;
        }
        // The key's lease is over (it expired while its reply was lost and retried): a new attempt, with a fresh key.
        if (error instanceof ApiFailure && error.code === "idempotency_key_spent") {
          leaseKey = null;
          continue;
        }
        throw error;
      }
      leaseKey = null;
      succeeded();
    } catch (error) {
      if (options.strict && error instanceof ApiFailure && !error.transient) throw error;
      const retryMs = failure(error);
      events.failed?.("asking for work", error, retryMs);
      await pause(retryMs);
      continue;
    }
    if (!lease) {
      events.idle?.(timing.noWorkRetryMs);
      await pause(timing.noWorkRetryMs);
      continue;
    }
    events.leased?.(lease);
    const outcome = await trainLease(lease, session, options, timing, events, { failure, succeeded, pause });
    if (outcome.kind === "abandoned") return { ...report, abandoned: lease, endedBy: "signal" };
    if (outcome.kind === "stopped") report.stopped++;
    if (outcome.kind === "posted") {
      report.units++;
      report.steps += outcome.steps;
      report.verdicts[outcome.verdict.status] = (report.verdicts[outcome.verdict.status] ?? 0) + 1;
    }
  }
}

/** A fresh Idempotency-Key: 128 random bits in hex (crypto.getRandomValues: browsers, insecure origins included, and Node). */
function newLeaseKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The client's registration, kept in the host's identity store, and the calls made with its token:
 * a call refused with 401 `token_expired` is made again with a token refreshed through the API (once
 * for all the calls that were refused with the same token) and saved.
 */
class Session {
  private client: StoredClient | null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly api: VolunteerApi,
    private readonly identity: IdentityStore,
    private readonly events: VolunteerEvents,
  ) {
    this.client = identity.load();
  }

  registered(): boolean {
    return this.client !== null;
  }

  async register(capabilities: Capabilities): Promise<void> {
    const client = await this.api.register(capabilities);
    this.keep(client);
    this.events.registered?.(client);
  }

  /** Drops the registration: the next lease attempt registers afresh. */
  forget(): void {
    this.client = null;
    this.identity.save(null);
  }

  async authorized<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = this.token();
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof ApiFailure && error.status === 401 && error.code === "token_expired")) throw error;
      await this.refresh(token);
      return call(this.token());
    }
  }

  private token(): string {
    if (!this.client) throw new Error("the volunteer is not registered");
    return this.client.token;
  }

  private async refresh(expired: string): Promise<void> {
    if (this.token() !== expired) return; // another call has refreshed it already
    this.refreshing ??= this.api
      .refreshToken(expired)
      .then((client) => {
        this.keep(client);
        this.events.tokenRefreshed?.(client);
      })
      .finally(() => (this.refreshing = null));
    await this.refreshing;
  }

  private keep(client: RegisteredClient): void {
    this.client = client;
    this.identity.save(client);
  }
}

type LeaseOutcome = { kind: "posted"; verdict: ResultVerdict; steps: number } | { kind: "stopped" } | { kind: "failed" } | { kind: "abandoned" };

interface Retrying {
  failure(error: unknown): number;
  succeeded(): void;
  pause(ms: number): Promise<void>;
}

async function trainLease(lease: Lease, session: Session, options: VolunteerOptions, timing: VolunteerTiming, events: VolunteerEvents, retrying: Retrying): Promise<LeaseOutcome> {
  const { api, host } = options;
  const started = Date.now();
  const abort = new AbortController();
  const stopNow = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", stopNow);
  // Stopped while the lease was being shown: abandon it before training starts.
  if (options.signal?.aborted) stopNow();
  let lastReport = started;
  /** The last step reported: a heartbeat renews the lease only for a step beyond it, so none is sent before. */
  let lastStep = -1;
  /** No report before this time: the API asked to wait (429 with Retry-After). */
  let quietUntil = 0;
  // Progress reports go one after another; a failed one is reported, and training goes on.
  let reports = Promise.resolve();
  const send = (body: { step: number; metrics?: Progress["point"] }) => {
    if (Date.now() < quietUntil) return;
    lastReport = Date.now();
    lastStep = Math.max(lastStep, body.step);
    reports = reports.then(async () => {
      try {
        const reply = await session.authorized((token) => api.progress(token, lease.id, body));
        if (reply.stop) abort.abort(new StoppedByApi(reply.reason ?? "no reason given"));
      } catch (error) {
        if (error instanceof ApiFailure && error.retryAfterMs !== undefined) quietUntil = Date.now() + error.retryAfterMs;
        events.failed?.("progress report", error, 0);
      }
    });
  };
  const onProgress = (progress: Progress) => {
    events.progress?.(lease, progress);
    if (progress.point) send({ step: progress.step, metrics: progress.point });
    else if (Date.now() - lastReport >= timing.heartbeatMs && progress.step > lastStep) send({ step: progress.step });
  };
  let result: RunResult;
  try {
    result = await host.train(lease.config, { backend: lease.backend, onProgress, signal: abort.signal });
    await reports;
    if (abort.signal.aborted) throw abort.signal.reason;
  } catch (error) {
    await reports;
    if (options.signal?.aborted) return { kind: "abandoned" };
    if (abort.signal.reason instanceof StoppedByApi) {
      events.stopped?.(lease, abort.signal.reason.message);
      return { kind: "stopped" };
    }
    const retryMs = retrying.failure(error);
    events.failed?.(`training unit ${lease.unitId}`, error, retryMs);
    await retrying.pause(retryMs);
    return { kind: "failed" };
  } finally {
    options.signal?.removeEventListener("abort", stopNow);
  }
  const body = { result, timings: { wallSeconds: (Date.now() - started) / 1000 } };
  // The result is the work itself: retry it through network loss until delivered or stopped.
  for (;;) {
    try {
      const verdict = await session.authorized((token) => api.result(token, lease.id, body));
      retrying.succeeded();
      events.completed?.(lease, result, verdict, body.timings.wallSeconds);
      return { kind: "posted", verdict, steps: result.summary.stepsRun };
    } catch (error) {
      if (!(error instanceof ApiFailure && error.transient)) {
        events.failed?.(`posting the result of unit ${lease.unitId}`, error, 0);
        return { kind: "failed" };
      }
      const retryMs = retrying.failure(error);
      events.failed?.(`posting the result of unit ${lease.unitId}`, error, retryMs);
      await wait(retryMs, [options.signal]);
      if (options.signal?.aborted) return { kind: "abandoned" };
    }
  }
}

/** Resolves after `ms`, or as soon as one of the signals aborts. */
function wait(ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    if (ms <= 0 || live.some((s) => s.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of live) s.addEventListener("abort", done);
  });
}
