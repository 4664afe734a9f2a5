/**
 * The volunteer protocol's own rules (src/client/volunteer.ts, shared by the page and the CLI) that
 * the end-to-end tests cannot time: the retry delays, the progress heartbeat between evaluations,
 * and when strict mode gives up. The API here is a recording stand-in; the real one is exercised
 * in volunteer.test.ts and tests/browser/volunteer-page.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ApiFailure, backoffDelay, runVolunteer, type VolunteerApi, type VolunteerHost } from "../../src/client/volunteer.js";
import { makeRunResult } from "../support/run-results.js";
import { parseRunConfig } from "../../src/index.js";
import { smallMlpConfig } from "../support/configs.js";

const config = parseRunConfig(smallMlpConfig({ steps: 4, evalInterval: 4 }));
const lease = { id: "lease-1", unitId: "unit-1", deadline: Date.now() + 600_000, config };

function recordingApi(overrides: Partial<VolunteerApi> = {}): VolunteerApi & { progressBodies: unknown[]; leases: number } {
  const api: VolunteerApi & { progressBodies: unknown[]; leases: number } = {
    origin: "http://api.test",
    progressBodies: [],
    leases: 0,
    register: async () => ({ clientId: "c1", token: "t1" }),
    lease: async () => (api.leases++ === 0 ? lease : null),
    progress: async (_token: string, _lease: string, body: unknown) => {
      api.progressBodies.push(body);
      return { stop: false };
    },
    result: async () => ({ id: "r1", status: "valid" as const, unit: { id: "unit-1", status: "validated" as const } }),
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
    const host: VolunteerHost = { capabilities: () => ({ simd: true, threads: false, cores: 1, webgpu: false, userAgent: "test" }), identity: memoryIdentity(), train: async () => makeRunResult(config) };
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
});
