/**
 * The volunteer protocol's own rules (src/client/volunteer.ts, shared by the page and the CLI) that
 * the end-to-end tests cannot time or arrange: the retry delays, the progress heartbeat between
 * evaluations, when strict mode gives up, the backends offered and the lease's backend handed to
 * the host, and the requests the API client makes. The API here is a recording stand-in; the real
 * one is exercised in volunteer.test.ts and tests/browser/volunteer-page.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ApiFailure, backoffDelay, createVolunteerApi, type LeaseBackend, type LeaseRequest, type VolunteerApi } from "../../src/client/volunteer-api.js";
import { runVolunteer, type VolunteerHost } from "../../src/client/volunteer.js";
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
    register: async () => ({ clientId: "c1", token: "t1" }),
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
      { backends: ["wasm-simd"], sweep: "s1" },
      { backends: ["wasm-simd", "tfjs-webgpu"], sweep: "s1" },
    ]);
    expect(trainedWith).toEqual(["wasm-simd", "tfjs-webgpu"]);
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
});
