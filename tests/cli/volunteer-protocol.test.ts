/**
 * The volunteer protocol's own rules (src/client/volunteer.ts, shared by the page and the CLI) that
 * the end-to-end tests cannot time or arrange: the retry delays and Retry-After, the progress
 * heartbeat between evaluations (only for a step that advanced), when strict mode gives up, the
 * backends offered and the lease's backend handed to the host, the Idempotency-Key per lease
 * attempt, refreshing an expired token, and the requests the API client makes. The API here is a
 * recording stand-in; the real one is exercised in volunteer.test.ts, tests/worker/lease-protocol.test.ts,
 * tests/worker/lease-idempotency.test.ts and tests/browser/volunteer-page.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ApiFailure, backoffDelay, createVolunteerApi, retryAfterMillis, type LeaseBackend, type LeaseRequest, type VolunteerApi } from "../../src/client/volunteer-api.js";
import { runVolunteer, type VolunteerHost } from "../../src/client/volunteer.js";
import type { Progress } from "../../src/index.js";
import type { Lease } from "../../worker/src/schema.js";
import { makeRunResult } from "../support/run-results.js";
import { parseRunConfig } from "../../src/index.js";
import { smallMlpConfig } from "../support/configs.js";

const config = parseRunConfig(smallMlpConfig({ steps: 4, evalInterval: 4 }));
const lease: Lease = { id: "lease-1", unitId: "unit-1", deadline: Date.now() + 600_000, config, backend: "wasm-simd" };

type RecordingApi = VolunteerApi & { progressBodies: unknown[]; leases: number; leaseRequests: LeaseRequest[] };

function recordingApi(overrides: Partial<VolunteerApi> = {}): RecordingApi {
  const api: RecordingApi = {
    origin: "http://api.test",
    progressBodies: [],
    leases: 0,
    leaseRequests: [],
    register: async () => ({ clientId: "c1", token: "t1", expiresAt: Date.now() + 86_400_000 }),
    refreshToken: async () => {
      throw new Error("no token to refresh in this test");
    },
    lease: async (_token, request) => {
      api.leaseRequests.push(request);
      return api.leases++ === 0 ? lease : null;
    },
    progress: async (_token: string, _lease: string, body: unknown) => {
      api.progressBodies.push(body);
      return { stop: false };
    },
    result: async () => ({ id: "r1", status: "valid" as const, unit: { id: "unit-1", status: "validated" as const } }),
    myResults: async () => [],
    ...overrides,
  };
  return api;
}

const memoryIdentity = () => {
  let stored: { clientId: string; token: string } | null = null;
  return { load: () => stored, save: (c: typeof stored) => void (stored = c) };
};

describe("the volunteer protocol", () => {
  it("backs off exponentially from the base to the cap, jittered into [½, 1) of the delay", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1000, 8000, () => 0))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 8000, () => 0.999999))).toEqual([1000, 2000, 4000, 8000].map((d) => d * (0.5 + 0.999999 / 2)));
    expect(backoffDelay(1000, 1000, 30_000, () => 0.5)).toBe(22_500);
  });

  it("reports every evaluation with its metrics and, between evaluations, a heartbeat without them", async () => {
    const api = recordingApi();
    const point = makeRunResult(config).curves[0];
    const host: VolunteerHost = {
      capabilities: () => ({ simd: true, threads: false, cores: 1, webgpu: false, userAgent: "test" }),
      identity: memoryIdentity(),
      backends: () => ["wasm-simd"],
      train: async (_config, { onProgress }) => {
        onProgress({ step: 0, steps: 4, stepsPerSecond: 0, point });
        onProgress({ step: 2, steps: 4, stepsPerSecond: 10 });
        onProgress({ step: 4, steps: 4, stepsPerSecond: 10, point: { ...point, step: 4 } });
        return makeRunResult(config);
      },
    };
    const report = await runVolunteer({ api, host, maxUnits: 1, timing: { heartbeatMs: 0 } });
    expect(api.progressBodies).toEqual([{ step: 0, metrics: point }, { step: 2 }, { step: 4, metrics: { ...point, step: 4 } }]);
    expect(report).toMatchObject({ units: 1, steps: 4, verdicts: { valid: 1 }, endedBy: "max-units" });
    // Without a heartbeat due, only evaluations are reported.
    const quiet = recordingApi();
    await runVolunteer({ api: quiet, host, maxUnits: 1 });
    expect(quiet.progressBodies).toHaveLength(2);
  });

  it("in strict mode gives up after firstContactAttempts failures before the API ever answered; the page's mode keeps trying", async () => {
    let calls = 0;
    const down = recordingApi({
      register: async () => {
        calls++;
        throw new ApiFailure(0, "http://api.test/api/clients", "POST http://api.test/api/clients: fetch failed (ECONNREFUSED)", "ECONNREFUSED");
      },
    });
    const host: VolunteerHost = { capabilities: () => ({ simd: true, threads: false, cores: 1, webgpu: false, userAgent: "test" }), identity: memoryIdentity(), backends: () => ["wasm-simd"], train: async () => makeRunResult(config) };
    const timing = { retryBaseMs: 1, retryMaxMs: 2 };
    await expect(runVolunteer({ api: down, host, strict: { firstContactAttempts: 3 }, timing })).rejects.toThrow(/ECONNREFUSED/);
    expect(calls).toBe(3);
    calls = 0;
    const stop = new AbortController();
    const failures: number[] = [];
    const page = runVolunteer({ api: down, host, timing, signal: stop.signal, events: { failed: (_c, _e, retryMs) => (failures.push(retryMs), failures.length === 10 && stop.abort()) } });
    await expect(page).resolves.toMatchObject({ units: 0, endedBy: "signal" });
    expect(calls).toBe(10);
    expect(failures.every((ms) => ms >= 0.5 && ms <= 2)).toBe(true);
  });

  it("offers the host's backends at every lease, as they are then, and trains each unit with its lease's backend", async () => {
    const leases: Lease[] = [lease, { ...lease, id: "lease-2", unitId: "unit-2", backend: "tfjs-webgpu" }];
    const api = recordingApi({
      lease: async (_token, request) => {
        api.leaseRequests.push(request);
        return leases[api.leases++] ?? null;
      },
    });
    // The volunteer allows the GPU after the first unit.
    let offered: LeaseBackend[] = ["wasm-simd"];
    const trainedWith: LeaseBackend[] = [];
    const host: VolunteerHost = {
      capabilities: () => ({ simd: true, threads: false, cores: 1, webgpu: true, userAgent: "test" }),
      identity: memoryIdentity(),
      backends: () => offered,
      train: async (_config, { backend }) => {
        trainedWith.push(backend);
        offered = ["wasm-simd", "tfjs-webgpu"];
        return makeRunResult(config, { backend });
      },
    };
    const report = await runVolunteer({ api, host, sweep: "s1", maxUnits: 2 });
    expect(report.units).toBe(2);
    expect(api.leaseRequests).toEqual([
      { backends: ["wasm-simd"], sweep: "s1", idempotencyKey: expect.any(String) },
      { backends: ["wasm-simd", "tfjs-webgpu"], sweep: "s1", idempotencyKey: expect.any(String) },
    ]);
    expect(trainedWith).toEqual(["wasm-simd", "tfjs-webgpu"]);
  });

  const capabilities = () => ({ simd: true, threads: false, cores: 1, webgpu: false, userAgent: "test" });
  const trainer = (steps: (onProgress: (progress: Progress) => void) => void = () => {}): VolunteerHost["train"] => async (_config, { onProgress }) => {
    steps(onProgress);
    return makeRunResult(config);
  };

  it("sends a heartbeat only for a step beyond the last one reported (the API renews a lease for no other)", async () => {
    const api = recordingApi();
    const point = makeRunResult(config).curves[0];
    const host: VolunteerHost = {
      capabilities,
      identity: memoryIdentity(),
      backends: () => ["wasm-simd"],
      train: trainer((onProgress) => {
        onProgress({ step: 0, steps: 4, stepsPerSecond: 0, point });
        for (const step of [0, 0, 1, 1, 1, 3]) onProgress({ step, steps: 4, stepsPerSecond: 1 });
      }),
    };
    await runVolunteer({ api, host, maxUnits: 1, timing: { heartbeatMs: 0 } });
    expect(api.progressBodies).toEqual([{ step: 0, metrics: point }, { step: 1 }, { step: 3 }]);
  });

  it("sends a fresh Idempotency-Key per lease attempt and the same one on that attempt's retries", async () => {
    const replies: (() => Lease | null)[] = [
      () => {
        throw new ApiFailure(0, "http://api.test/api/leases", "fetch failed (ECONNRESET)", "ECONNRESET");
      },
      () => {
        throw new ApiFailure(503, "http://api.test/api/leases", "503");
      },
      () => lease,
      // The next attempt's key turns out spent (its lease expired while the reply was lost): a new attempt at once.
      () => {
        throw new ApiFailure(409, "http://api.test/api/leases", "409 idempotency_key_spent", "idempotency_key_spent");
      },
      () => ({ ...lease, id: "lease-2" }),
    ];
    const api = recordingApi({
      lease: async (_token, request) => {
        api.leaseRequests.push(request);
        return replies.shift()!();
      },
    });
    const host: VolunteerHost = { capabilities, identity: memoryIdentity(), backends: () => ["wasm-simd"], train: trainer() };
    const report = await runVolunteer({ api, host, maxUnits: 2, strict: { firstContactAttempts: 3 }, timing: { retryBaseMs: 1, retryMaxMs: 2 } });
    expect(report.units).toBe(2);
    const keys = api.leaseRequests.map((r) => r.idempotencyKey);
    expect(keys.every((k) => /^[0-9a-f]{32}$/.test(k ?? ""))).toBe(true);
    expect([keys[1], keys[2]]).toEqual([keys[0], keys[0]]);
    expect(new Set([keys[0], keys[3], keys[4]]).size).toBe(3);
  });

  /** An API whose tokens in `expired` are refused with 401 token_expired, and whose refresh route renews them. */
  function expiringApi(expired: Set<string>, calls: string[]) {
    const refuse = (token: string, what: string) => {
      calls.push(`${what} ${token}`);
      if (expired.has(token)) throw new ApiFailure(401, `http://api.test/${what}`, `401 token_expired the token expired`, "token_expired");
    };
    let renewals = 0;
    const api = recordingApi({
      refreshToken: async (token) => {
        calls.push(`refresh ${token}`);
        return { clientId: "c1", token: `renewed-${++renewals}`, expiresAt: Date.now() + 86_400_000 };
      },
      lease: async (token, request) => {
        refuse(token, "lease");
        api.leaseRequests.push(request);
        return api.leases++ === 0 ? lease : null;
      },
      progress: async (token, _lease, body) => {
        refuse(token, "progress");
        api.progressBodies.push(body);
        return { stop: false };
      },
      result: async (token) => {
        refuse(token, "result");
        return { id: "r1", status: "valid" as const, unit: { id: "unit-1", status: "validated" as const } };
      },
    });
    return api;
  }

  it("on 401 token_expired refreshes the token once, saves it and makes the call again — asking for work, reporting, posting", async () => {
    const calls: string[] = [];
    const expired = new Set(["old"]);
    const api = expiringApi(expired, calls);
    const identity = memoryIdentity();
    identity.save({ clientId: "c1", token: "old" });
    const point = makeRunResult(config).curves[0];
    const refreshed: string[] = [];
    const host: VolunteerHost = {
      capabilities,
      identity,
      backends: () => ["wasm-simd"],
      train: async (_config, { onProgress }) => {
        onProgress({ step: 0, steps: 4, stepsPerSecond: 0, point });
        await new Promise((resolve) => setTimeout(resolve, 20)); // reported
        // The renewed token expires in the middle of the run.
        expired.add("renewed-1");
        onProgress({ step: 4, steps: 4, stepsPerSecond: 1, point: { ...point, step: 4 } });
        return makeRunResult(config);
      },
    };
    const report = await runVolunteer({ api, host, maxUnits: 1, events: { tokenRefreshed: (client) => refreshed.push(client.token) } });
    expect(report.units).toBe(1);
    expect(calls).toEqual(["lease old", "refresh old", "lease renewed-1", "progress renewed-1", "progress renewed-1", "refresh renewed-1", "progress renewed-2", "result renewed-2"]);
    expect(refreshed).toEqual(["renewed-1", "renewed-2"]);
    expect(identity.load()).toMatchObject({ clientId: "c1", token: "renewed-2" });
    expect(api.progressBodies).toHaveLength(2);
  });

  it("registers afresh on any other 401, and when the token is past refreshing", async () => {
    for (const refusal of [
      { on: "lease", code: "unknown_client" },
      { on: "refresh", code: "token_expired_for_good" },
    ]) {
      const calls: string[] = [];
      const api = expiringApi(new Set(["old"]), calls);
      api.register = async () => {
        calls.push("register");
        return { clientId: "c2", token: "fresh", expiresAt: Date.now() + 86_400_000 };
      };
      const refused = async (token: string) => {
        calls.push(`${refusal.on} ${token}`);
        throw new ApiFailure(401, "http://api.test", `401 ${refusal.code}`, refusal.code);
      };
      if (refusal.on === "refresh") api.refreshToken = refused;
      else {
        const leaseAsUsual = api.lease;
        api.lease = async (token, request) => (token === "old" ? refused(token) : leaseAsUsual(token, request));
      }
      const identity = memoryIdentity();
      identity.save({ clientId: "c1", token: "old" });
      const host: VolunteerHost = { capabilities, identity, backends: () => ["wasm-simd"], train: trainer() };
      expect((await runVolunteer({ api, host, maxUnits: 1 })).units).toBe(1);
      expect(calls).toEqual(refusal.on === "refresh" ? ["lease old", "refresh old", "register", "lease fresh", "result fresh"] : ["lease old", "register", "lease fresh", "result fresh"]);
      expect(identity.load()).toMatchObject({ clientId: "c2", token: "fresh" });
    }
  });

  it("waits at least the Retry-After of a 429 (the lease cap, a rate limit), and counts it as an answer in strict mode", async () => {
    let refusals = 3;
    const api = recordingApi({
      lease: async (_token, request) => {
        api.leaseRequests.push(request);
        if (refusals-- > 0) throw new ApiFailure(429, "http://api.test/api/leases", "429 lease_cap", "lease_cap", 60);
        return api.leases++ === 0 ? lease : null;
      },
    });
    // Registration was refused too: that is still the API answering, so strict mode waits rather than giving up.
    let registrations = 0;
    const register = api.register;
    api.register = async (capabilities) => {
      if (registrations++ === 0) throw new ApiFailure(429, "http://api.test/api/clients", "429 rate_limited", "rate_limited", 20);
      return register(capabilities);
    };
    const waits: number[] = [];
    const host: VolunteerHost = { capabilities, identity: memoryIdentity(), backends: () => ["wasm-simd"], train: trainer() };
    const started = performance.now();
    const report = await runVolunteer({ api, host, maxUnits: 1, strict: { firstContactAttempts: 1 }, timing: { retryBaseMs: 1, retryMaxMs: 2 }, events: { failed: (_c, _e, retryMs) => waits.push(retryMs) } });
    expect(report.units).toBe(1);
    expect(waits).toEqual([20, 60, 60, 60]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it("holds progress reports for the Retry-After of a refused one; training goes on", async () => {
    const api = recordingApi({
      progress: async (_token, _lease, body) => {
        api.progressBodies.push(body);
        throw new ApiFailure(429, "http://api.test/progress", "429 rate_limited", "rate_limited", 60_000);
      },
    });
    const point = makeRunResult(config).curves[0];
    const host: VolunteerHost = {
      capabilities,
      identity: memoryIdentity(),
      backends: () => ["wasm-simd"],
      train: async (_config, { onProgress }) => {
        onProgress({ step: 0, steps: 4, stepsPerSecond: 0, point });
        await new Promise((resolve) => setTimeout(resolve, 20)); // the refusal arrives
        onProgress({ step: 2, steps: 4, stepsPerSecond: 1 });
        onProgress({ step: 4, steps: 4, stepsPerSecond: 1, point: { ...point, step: 4 } });
        return makeRunResult(config);
      },
    };
    const report = await runVolunteer({ api, host, maxUnits: 1, timing: { heartbeatMs: 0 } });
    expect(report.units).toBe(1);
    expect(api.progressBodies).toEqual([{ step: 0, metrics: point }]);
  });
});

describe("the volunteer API client", () => {
  /** A fetch that records each request and answers with the next reply. */
  function recordingFetch(replies: { status: number; body?: unknown }[]) {
    const requests: { method: string; url: string; authorization: string | null }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      requests.push({ method: init.method!, url, authorization: new Headers(init.headers).get("authorization") });
      const { status, body } = replies.shift()!;
      return new Response(body === undefined ? null : JSON.stringify(body), { status });
    }) as typeof fetch;
    return { requests, fetchImpl };
  }

  it("asks for a lease with the offered backends (and the sweep), and reads the lease's backend", async () => {
    const { requests, fetchImpl } = recordingFetch([{ status: 201, body: { lease: { ...lease, backend: "tfjs-webgpu" } } }, { status: 204 }]);
    const api = createVolunteerApi("http://api.test", fetchImpl);
    expect((await api.lease("t1", { backends: ["wasm-simd", "tfjs-webgpu"], sweep: "a b" }))?.backend).toBe("tfjs-webgpu");
    expect(await api.lease("t1", { backends: ["wasm-simd"] })).toBeNull();
    expect(requests).toEqual([
      { method: "POST", url: "http://api.test/api/leases?backends=wasm-simd,tfjs-webgpu&sweep=a%20b", authorization: "Bearer t1" },
      { method: "POST", url: "http://api.test/api/leases?backends=wasm-simd", authorization: "Bearer t1" },
    ]);
  });

  it("lists this volunteer's results with GET /api/clients/me/results, and names the route when it fails", async () => {
    const listed = [{ id: "r1", unitId: "u1", sweepId: "s1", sweepName: "study", backend: "wasm-simd", status: "pending", unitStatus: "pending", createdAt: 1 }];
    const { requests, fetchImpl } = recordingFetch([{ status: 200, body: { results: listed } }, { status: 401, body: { error: { code: "unauthorized", message: "bad token" } } }]);
    const api = createVolunteerApi("http://api.test", fetchImpl);
    expect(await api.myResults("t1")).toEqual(listed);
    expect(requests).toEqual([{ method: "GET", url: "http://api.test/api/clients/me/results", authorization: "Bearer t1" }]);
    await expect(api.myResults("t2")).rejects.toMatchObject({ status: 401, message: "GET http://api.test/api/clients/me/results: 401 unauthorized bad token" });
  });

  it("sends the Idempotency-Key, refreshes a token with POST /api/clients/me/token, and reads a 429's Retry-After", async () => {
    const sent: { method: string; url: string; authorization: string | null; key: string | null }[] = [];
    const replies = [
      new Response(JSON.stringify({ lease }), { status: 200 }),
      new Response(JSON.stringify({ clientId: "c1", token: "t2", expiresAt: 5 }), { status: 200 }),
      new Response(JSON.stringify({ error: { code: "lease_cap", message: "at its cap" } }), { status: 429, headers: { "retry-after": "95" } }),
      new Response(JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }), { status: 429 }),
    ];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      sent.push({ method: init.method!, url, authorization: headers.get("authorization"), key: headers.get("idempotency-key") });
      return replies.shift()!;
    }) as typeof fetch;
    const api = createVolunteerApi("http://api.test", fetchImpl);
    expect(await api.lease("t1", { backends: ["wasm-simd"], idempotencyKey: "k1" })).toEqual(lease);
    expect(await api.refreshToken("t1")).toEqual({ clientId: "c1", token: "t2", expiresAt: 5 });
    await expect(api.lease("t2", { backends: ["wasm-simd"] })).rejects.toMatchObject({ status: 429, code: "lease_cap", retryAfterMs: 95_000, transient: true });
    await expect(api.lease("t2", { backends: ["wasm-simd"] })).rejects.toMatchObject({ status: 429, code: "rate_limited", retryAfterMs: undefined });
    expect(sent).toEqual([
      { method: "POST", url: "http://api.test/api/leases?backends=wasm-simd", authorization: "Bearer t1", key: "k1" },
      { method: "POST", url: "http://api.test/api/clients/me/token", authorization: "Bearer t1", key: null },
      { method: "POST", url: "http://api.test/api/leases?backends=wasm-simd", authorization: "Bearer t2", key: null },
      { method: "POST", url: "http://api.test/api/leases?backends=wasm-simd", authorization: "Bearer t2", key: null },
    ]);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-12-03T10:00:00Z");
    expect(retryAfterMillis("120", now)).toBe(120_000);
    expect(retryAfterMillis(" 0 ", now)).toBe(0);
    expect(retryAfterMillis("Thu, 03 Dec 2026 10:01:30 GMT", now)).toBe(90_000);
    expect(retryAfterMillis("Thu, 03 Dec 2026 09:00:00 GMT", now)).toBe(0);
    for (const unreadable of [null, "", "-5", "1.5", "soon"]) expect(retryAfterMillis(unreadable, now)).toBeUndefined();
  });
});
