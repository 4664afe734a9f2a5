/**
 * How much a volunteer and a network may ask of the API: the named rate limits (requests per fixed
 * window, per client and per network, network.ts) and the daily lease quota, with the environment's
 * overrides (RATE_LIMITS, LEASE_QUOTA; the tests shrink them). rate-limit.ts enforces them.
 *
 * The defaults leave an honest volunteer far below every limit: it registers once, leases one unit
 * at a time (a unit trains for minutes), reports progress at each evaluation and once per result. A
 * network's limits are ten times a client's, room for a household, office or classroom behind one
 * address block; registrations are the scarcest, since each new client is a new identity.
 *
 * Pure: no Workers APIs.
 */
import { ApiError } from "./errors.js";

export interface WindowLimit {
  /** Requests allowed in one window. */
  max: number;
  /** The window's length. */
  windowSeconds: number;
}

export const DEFAULT_RATE_LIMITS = {
  registrationsPerNetwork: { max: 30, windowSeconds: 600 },
  tokenRefreshesPerClient: { max: 10, windowSeconds: 3600 },
  tokenRefreshesPerNetwork: { max: 100, windowSeconds: 600 },
  leasesPerClient: { max: 60, windowSeconds: 60 },
  leasesPerNetwork: { max: 600, windowSeconds: 60 },
  progressPerClient: { max: 600, windowSeconds: 60 },
  progressPerNetwork: { max: 6000, windowSeconds: 60 },
  resultsPerClient: { max: 60, windowSeconds: 60 },
  resultsPerNetwork: { max: 600, windowSeconds: 60 },
} as const satisfies Record<string, WindowLimit>;

export type LimitName = keyof typeof DEFAULT_RATE_LIMITS;
export type RateLimits = Record<LimitName, WindowLimit>;

/**
 * Leases a client may take in any 24 hours: `base + perValidResult × its valid results`, at most
 * `max`. A new client gets `base`; each result that validation confirmed (valid, or a GPU run
 * approximate-accepted) earns more. (The trust rules of a later round will supply the count.)
 */
export interface LeaseQuota {
  base: number;
  perValidResult: number;
  max: number;
}

export const DEFAULT_LEASE_QUOTA: LeaseQuota = { base: 100, perValidResult: 10, max: 5000 };

/** The window the daily lease quota counts leases over. */
export const LEASE_QUOTA_WINDOW_MS = 24 * 3600 * 1000;

/** The quota of a client with `validResults` confirmed results. */
export function leaseQuotaFor(quota: LeaseQuota, validResults: number): number {
  return Math.min(quota.max, quota.base + quota.perValidResult * validResults);
}

const misconfigured = (variable: string, message: string) => new ApiError(500, "misconfigured", `${variable}: ${message}`);

/**
 * The limits with RATE_LIMITS' overrides: a comma list of `<limit name>=<max>/<window seconds>`, e.g.
 * `leasesPerClient=5/60,registrationsPerNetwork=3/600`. A bad entry is a 500 `misconfigured` naming it.
 */
export function rateLimitsFrom(overrides: string | undefined): RateLimits {
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const [name, value] of entries("RATE_LIMITS", overrides)) {
    if (!Object.hasOwn(DEFAULT_RATE_LIMITS, name)) throw misconfigured("RATE_LIMITS", `unknown limit "${name}"; expected one of ${Object.keys(DEFAULT_RATE_LIMITS).join(", ")}`);
    const match = /^(\d+)\/(\d+)$/.exec(value);
    if (!match || Number(match[2]) === 0) throw misconfigured("RATE_LIMITS", `${name}=${value}: expected <max requests>/<window seconds>, whole numbers, the window at least 1 s`);
    limits[name as LimitName] = { max: Number(match[1]), windowSeconds: Number(match[2]) };
  }
  return limits;
}

/** The quota with LEASE_QUOTA's overrides: a comma list of `base=<n>`, `perValidResult=<n>`, `max=<n>` (whole numbers). */
export function leaseQuotaFrom(overrides: string | undefined): LeaseQuota {
  const quota = { ...DEFAULT_LEASE_QUOTA };
  for (const [name, value] of entries("LEASE_QUOTA", overrides)) {
    if (!Object.hasOwn(DEFAULT_LEASE_QUOTA, name)) throw misconfigured("LEASE_QUOTA", `unknown field "${name}"; expected one of ${Object.keys(DEFAULT_LEASE_QUOTA).join(", ")}`);
    if (!/^\d+$/.test(value)) throw misconfigured("LEASE_QUOTA", `${name}=${value}: expected a whole number`);
    quota[name as keyof LeaseQuota] = Number(value);
  }
  return quota;
}

/** `name=value` pairs of a comma list (spaces around entries ignored; empty or unset: none). */
function entries(variable: string, list: string | undefined): [string, string][] {
  return (list ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      const equals = entry.indexOf("=");
      if (equals <= 0) throw misconfigured(variable, `"${entry}" is not <name>=<value>`);
      return [entry.slice(0, equals).trim(), entry.slice(equals + 1).trim()];
    });
}
