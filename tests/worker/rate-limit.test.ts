/**
 * Rate limits and the daily lease quota (worker/src/rate-limit.ts) on a real `wrangler dev`: over a
 * limit, 429 `rate_limited` naming it with a Retry-After; other clients and networks unaffected.
 * Networks are played with CF-Connecting-IP, which wrangler dev passes through (Cloudflare's edge
 * sets it itself). Limits are shrunk with RATE_LIMITS, their windows long enough (10⁹ s) that no
 * window edge falls inside a test, except where a test waits one out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaseQuotaFor, leaseQuotaFrom, rateLimitsFrom, DEFAULT_LEASE_QUOTA, DEFAULT_RATE_LIMITS } from "../../worker/src/rate-limit-rules.js";
import { submission } from "../support/run-results.js";
import { CAPABILITIES, createSweep } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

interface Reply {
  status: number;
  retryAfter: string | null;
  body: any;
}

/** A request from the address `ip` (CF-Connecting-IP), with an optional client token and JSON body. */
async function call(api: WorkerServer, method: string, path: string, { ip, token, body }: { ip: string; token?: string; body?: unknown }): Promise<Reply> {
  const headers: Record<string, string> = { "cf-connecting-ip": ip };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(api.origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: text === "" ? null : JSON.parse(text) };
}

const register = (api: WorkerServer, ip: string) => call(api, "POST", "/api/clients", { ip, body: CAPABILITIES });

async function registered(api: WorkerServer, ip: string): Promise<{ clientId: string; token: string }> {
  const reply = await register(api, ip);
  if (reply.status !== 201) throw new Error(`registration from ${ip}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Expects a 429 `rate_limited` whose message names `limit`, with a Retry-After of 1 … `maxSeconds` whole seconds. */
function expectLimited(reply: Reply, limit: string | RegExp, maxSeconds: number) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(429);
  expect(reply.body.error.code).toBe("rate_limited");
  expect(reply.body.error.message).toMatch(limit);
  expect(reply.retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(reply.retryAfter)).toBeLessThanOrEqual(maxSeconds);
}

const statuses = (replies: Reply[]) => replies.map((r) => r.status);

describe("the limits' configuration", () => {
  it("takes overrides by name and refuses a bad one, naming it", () => {
    expect(rateLimitsFrom(undefined)).toEqual(DEFAULT_RATE_LIMITS);
    expect(rateLimitsFrom(" leasesPerClient=5/60 , registrationsPerNetwork=0/600 ")).toEqual({ ...DEFAULT_RATE_LIMITS, leasesPerClient: { max: 5, windowSeconds: 60 }, registrationsPerNetwork: { max: 0, windowSeconds: 600 } });
    expect(() => rateLimitsFrom("leasesPerHour=5/60")).toThrow(/RATE_LIMITS: unknown limit "leasesPerHour"; expected one of registrationsPerNetwork, /);
    expect(() => rateLimitsFrom("leasesPerClient=5")).toThrow(/RATE_LIMITS: leasesPerClient=5: expected <max requests>\/<window seconds>/);
    expect(() => rateLimitsFrom("leasesPerClient=5/0")).toThrow(/the window at least 1 s/);
    expect(() => rateLimitsFrom("leasesPerClient")).toThrow(/RATE_LIMITS: "leasesPerClient" is not <name>=<value>/);
    expect(leaseQuotaFrom("base=2, max=3")).toEqual({ ...DEFAULT_LEASE_QUOTA, base: 2, max: 3 });
    expect(() => leaseQuotaFrom("base=-1")).toThrow(/LEASE_QUOTA: base=-1: expected a whole number/);
    expect(() => leaseQuotaFrom("bonus=1")).toThrow(/LEASE_QUOTA: unknown field "bonus"/);
  });

  it("grows the lease quota with valid results, up to its maximum", () => {
    const quota = { base: 100, perValidResult: 10, max: 5000 };
    expect([0, 1, 10, 490, 491, 10_000].map((valid) => leaseQuotaFor(quota, valid))).toEqual([100, 110, 200, 5000, 5000, 5000]);
  });
});

describe("with the default limits", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    // RATE_LIMITS empty: the production defaults, per-network ones included.
    api = await startWorker({ vars: { RATE_LIMITS: "" } });
  }, 90_000);
  afterAll(() => api?.close());

  it("a burst of 400 registrations from one network gets its 30, the rest 429; another network still registers", async () => {
    const { max, windowSeconds } = DEFAULT_RATE_LIMITS.registrationsPerNetwork;
    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 400 }, (_, i) => register(api, `192.0.2.${i % 250}`)));
    const seconds = (Date.now() - started) / 1000;
    expect(burst.filter((r) => r.status === 201)).toHaveLength(max);
    const refused = burst.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(400 - max);
    for (const reply of refused) expectLimited(reply, `rate limit registrationsPerNetwork: at most ${max} requests per ${windowSeconds} s from one network (network 192.0.2.0/24)`, windowSeconds);
    expect((await register(api, "192.0.3.1")).status).toBe(201);
    console.log(`400 registrations from one /24 in ${seconds.toFixed(1)} s: ${max} × 201, ${400 - max} × 429`);
  }, 60_000);
});

describe("with small limits", () => {
  const WINDOW = 1_000_000_000;
  let api: WorkerServer;
  beforeAll(async () => {
    const limits = {
      registrationsPerNetwork: 3,
      leasesPerClient: 3,
      leasesPerNetwork: 5,
      progressPerClient: 3,
      progressPerNetwork: 5,
      resultsPerClient: 3,
      resultsPerNetwork: 5,
      tokenRefreshesPerNetwork: 100,
    };
    const windows = Object.entries(limits).map(([name, max]) => `${name}=${max}/${WINDOW}`);
    // A 2 s window for one limit: the test of a window's end waits it out.
    api = await startWorker({ vars: { RATE_LIMITS: [...windows, "tokenRefreshesPerClient=2/2"].join(",") } });
  }, 90_000);
  afterAll(() => api?.close());

  it("limits registrations per IPv4 /24 and IPv6 /48; an IPv4-mapped address is its IPv4 network", async () => {
    expect(statuses(await Promise.all(["198.51.100.7", "198.51.100.8", "198.51.100.200"].map((ip) => register(api, ip))))).toEqual([201, 201, 201]);
    expectLimited(await register(api, "198.51.100.9"), "registrationsPerNetwork: at most 3 requests per 1000000000 s from one network (network 198.51.100.0/24)", WINDOW);
    expectLimited(await register(api, "::ffff:198.51.100.10"), "network 198.51.100.0/24", WINDOW);
    expect((await register(api, "198.51.101.7")).status).toBe(201);

    expect(statuses(await Promise.all(["2001:db8:1:2::1", "2001:db8:1:3::1", "2001:db8:1:ffff:1:2:3:4"].map((ip) => register(api, ip))))).toEqual([201, 201, 201]);
    expectLimited(await register(api, "2001:DB8:1::9"), "network 2001:db8:1::/48", WINDOW);
    expect((await register(api, "2001:db8:2::1")).status).toBe(201);
  });

  // Each limited route: a client's fourth request is refused; a second client of the same network
  // is refused once the network's five are spent; a client of another network is unaffected.
  const routes = [
    { route: "leases", limit: "leases", path: () => "/api/leases", body: undefined },
    { route: "progress", limit: "progress", path: () => "/api/leases/no-such-lease/progress", body: { step: 1 } },
    { route: "results", limit: "results", path: () => "/api/leases/no-such-lease/result", body: {} },
  ];
  it.each(routes.map((r, i) => ({ ...r, net: 10 + i })))("limits $route per client and per network", async ({ limit, path, body, net }) => {
    const [a, b, c] = [await registered(api, `10.0.${net}.1`), await registered(api, `10.0.${net}.2`), await registered(api, `10.1.${net}.1`)];
    const send = (client: { token: string }, ip: string) => call(api, "POST", path(), { ip, token: client.token, body });
    const first = await Promise.all([1, 2, 3].map(() => send(a, `10.0.${net}.1`)));
    for (const reply of first) expect(reply.status, JSON.stringify(reply.body)).not.toBe(429);
    expectLimited(await send(a, `10.0.${net}.1`), `rate limit ${limit}PerClient: at most 3 requests per ${WINDOW} s from one client (client ${a.clientId})`, WINDOW);
    // The same client from another network is still that client.
    expectLimited(await send(a, `10.9.${net}.1`), `${limit}PerClient`, WINDOW);
    // b: the network has counted a's 4 requests from it; one more is allowed, then the network is spent.
    expect((await send(b, `10.0.${net}.2`)).status).not.toBe(429);
    expectLimited(await send(b, `10.0.${net}.2`), `rate limit ${limit}PerNetwork: at most 5 requests per ${WINDOW} s from one network (network 10.0.${net}.0/24)`, WINDOW);
    // c, elsewhere, is unaffected.
    for (const reply of await Promise.all([1, 2, 3].map(() => send(c, `10.1.${net}.1`)))) expect(reply.status).not.toBe(429);
  });

  it("counts requests with a forged token against the network only", async () => {
    const forged = `v1.00000000-0000-4000-8000-000000000000.${Date.now() + 60_000}.${"0".repeat(64)}`;
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => call(api, "POST", "/api/leases", { ip: "10.2.0.1", token: forged })));
    expect(statuses(replies)).toEqual([401, 401, 401, 401, 401]);
    expectLimited(await call(api, "POST", "/api/leases", { ip: "10.2.0.1", token: forged }), "leasesPerNetwork", WINDOW);
  });

  it("lets a client ask again once its window has ended, as Retry-After said", async () => {
    const client = await registered(api, "10.3.0.1");
    const refresh = () => call(api, "POST", "/api/clients/me/token", { ip: "10.3.0.1", token: client.token });
    // Start just after a 2 s window begins, so that the three requests fall in one window.
    while (Date.now() % 2000 > 200) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statuses([await refresh(), await refresh()])).toEqual([200, 200]);
    const refused = await refresh();
    expectLimited(refused, "rate limit tokenRefreshesPerClient: at most 2 requests per 2 s from one client", 2);
    await new Promise((resolve) => setTimeout(resolve, Number(refused.retryAfter) * 1000));
    expect((await refresh()).status).toBe(200);
  });
});

describe("the daily lease quota", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    // base 2, one more per valid result, at most 3; no cap on live leases to get in its way.
    api = await startWorker({ vars: { LEASE_QUOTA: "base=2,perValidResult=1,max=3", MAX_LIVE_LEASES: "100" } });
  }, 90_000);
  afterAll(() => api?.close());

  it("holds a client to its quota, which grows with its valid results; other clients unaffected", async () => {
    const sweep = await createSweep(api, { seeds: [0, 1, 2, 3, 4, 5], quorum: 2 });
    const [q, other] = [await registered(api, "10.4.0.1"), await registered(api, "10.4.0.2")];
    const lease = (client: { token: string }, ip: string) => call(api, "POST", `/api/leases?sweep=${sweep}`, { ip, token: client.token });
    const first = await lease(q, "10.4.0.1");
    const second = await lease(q, "10.4.0.1");
    expect(statuses([first, second])).toEqual([201, 201]);
    const refused = await lease(q, "10.4.0.1");
    expectLimited(refused, `daily lease quota: client ${q.clientId} has taken 2 leases in the last 24 hours, its quota is 2 (2 + 1 per valid result, at most 3; valid results: 0)`, 24 * 3600);
    expect(Number(refused.retryAfter)).toBeGreaterThan(24 * 3600 - 60);
    expect((await lease(other, "10.4.0.2")).status).toBe(201);

    // q's results, confirmed valid one by one (validation needs a second volunteer: set here).
    const resultIds: string[] = [];
    for (const { body } of [first, second]) {
      const posted = await call(api, "POST", `/api/leases/${body.lease.id}/result`, { ip: "10.4.0.1", token: q.token, body: submission(body.lease.config) });
      expect(posted.status, JSON.stringify(posted.body)).toBe(201);
      resultIds.push(posted.body.result.id);
    }
    await api.sql(`UPDATE results SET status = 'valid' WHERE id = '${resultIds[0]}'`);
    expect((await lease(q, "10.4.0.1")).status).toBe(201);
    expectLimited(await lease(q, "10.4.0.1"), "has taken 3 leases in the last 24 hours, its quota is 3 (2 + 1 per valid result, at most 3; valid results: 1)", 24 * 3600);
    // At the maximum, more valid results earn nothing.
    await api.sql(`UPDATE results SET status = 'valid' WHERE id = '${resultIds[1]}'`);
    expectLimited(await lease(q, "10.4.0.1"), "its quota is 3 (2 + 1 per valid result, at most 3; valid results: 2)", 24 * 3600);
  });
});
