/**
 * How many live leases one client may hold at once, so that no client can hoard a sweep (issue 14:
 * one client leased all 50 units of a sweep in 1.65 s). The volunteer protocol trains one unit at a
 * time, so an honest client holds one lease, two just after a restart (the abandoned lease lives
 * until its heartbeat timeout). The cap is
 *
 *     2                        the unit in training, and one abandoned by a restart
 *   + min(2, ⌊cores / 8⌋)      a many-core host may train units side by side (cores are reported at
 *                              registration, not verified: hence the bound)
 *   + 1 with WebGPU            a GPU run beside a CPU one
 *   + min(4, ⌊trust / 10⌋)     one more per 10 consecutive valid results (BOINC trusts a host after
 *                              about 10 in a row)
 *
 * so from 2 (a new one-core client) to 9. MAX_LIVE_LEASES (env), when set, replaces the rule for
 * every client (tests and load runs that need many leases from one client).
 *
 * Pure (no Workers types): the rule and its replies; lease-cap.ts reads a client's standing from D1.
 */
import { ApiError } from "./errors.js";

export interface LeaseCap {
  /** Most live leases the client may hold. */
  limit: number;
  /** How the limit was reached, for the error naming it. */
  rule: string;
}

/** What the rule reads of a client: its registered capabilities and its trust. */
export interface ClientStanding {
  cores: number;
  webgpu: boolean;
  /** Consecutive valid results, newest first, until an invalid one (lease-cap.ts TRUST_SQL). */
  trust: number;
}

/** The cap of a client of this standing (the rule above). */
export function liveLeaseCap({ cores, webgpu, trust }: ClientStanding): LeaseCap {
  const forCores = Math.min(2, Math.floor(cores / 8));
  const forGpu = webgpu ? 1 : 0;
  const forTrust = Math.min(4, Math.floor(trust / 10));
  return {
    limit: 2 + forCores + forGpu + forTrust,
    rule: `2 + ${forCores} for ${cores} core${cores === 1 ? "" : "s"} + ${forGpu} for ${webgpu ? "a" : "no"} GPU + ${forTrust} for ${trust} consecutive valid result${trust === 1 ? "" : "s"}`,
  };
}

/** The cap MAX_LIVE_LEASES sets for every client, null when unset; 500 `misconfigured` unless a positive integer. */
export function capOverride(maxLiveLeases: string | undefined): LeaseCap | null {
  if (maxLiveLeases === undefined || maxLiveLeases === "") return null;
  const limit = Number(maxLiveLeases);
  if (!Number.isInteger(limit) || limit < 1) throw new ApiError(500, "misconfigured", `MAX_LIVE_LEASES must be a positive integer, got "${maxLiveLeases}"`);
  return { limit, rule: "MAX_LIVE_LEASES, set on this server" };
}

/**
 * The 429 for a client at its cap: a slot frees when one of its leases is reported or expires, so
 * it may ask again (Retry-After, whole seconds, at least 1) when its earliest lease would expire.
 */
export function leaseCapReached(cap: LeaseCap, live: number, earliestDeadline: number | null, now: number): { error: ApiError; retryAfterSeconds: number } {
  const retryAfterSeconds = Math.max(1, Math.ceil(((earliestDeadline ?? now) - now) / 1000));
  const error = new ApiError(
    429,
    "lease_cap",
    `this client holds ${live} live lease${live === 1 ? "" : "s"}, its cap of ${cap.limit} (${cap.rule}): report a result, or ask again in ${retryAfterSeconds} s when its earliest lease would expire`,
  );
  return { error, retryAfterSeconds };
}
