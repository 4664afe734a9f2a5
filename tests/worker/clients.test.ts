import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

const capabilities = { simd: true, threads: true, cores: 8, webgpu: false, userAgent: "test" };

describe("POST /api/clients", () => {
  it("registers a volunteer and returns a signed token", async () => {
    const { status, body } = await api.request("POST", "/api/clients", { body: capabilities });
    expect(status).toBe(201);
    expect(body.token).toMatch(new RegExp(`^${body.clientId}\\.[0-9a-f]{64}$`));
  });

  it("says which field is wrong", async () => {
    const { status, body } = await api.request("POST", "/api/clients", { body: { ...capabilities, cores: 0 } });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_body");
    expect(body.error.issues[0].path).toBe("cores");
  });

  it("refuses malformed JSON", async () => {
    const { status, body } = await api.request("POST", "/api/clients", { rawBody: "{not json" });
    expect(status).toBe(400);
    expect(body.error.code).toBe("malformed_json");
  });

  it("refuses a body over the size limit", async () => {
    const { status, body } = await api.request("POST", "/api/clients", { rawBody: JSON.stringify({ ...capabilities, userAgent: "x".repeat(2 << 20) }) });
    expect(status).toBe(413);
    expect(body.error.code).toBe("body_too_large");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const { status, body } = await api.request("GET", "/api/nothing");
    expect(status).toBe(404);
    expect(body.error.code).toBe("not_found");
  });
});

describe("GET /api/openapi.json", () => {
  it("describes every route, with request bodies generated from the validators' schemas", async () => {
    const { status, body } = await api.request("GET", "/api/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/api/sweeps", "/api/clients", "/api/leases", "/api/leases/{id}/result", "/api/sweeps/{id}/aggregates", "/api/stats"]));
    const register = body.paths["/api/clients"].post.requestBody.content["application/json"].schema;
    expect(register.required).toEqual(expect.arrayContaining(["simd", "threads", "cores", "webgpu", "userAgent"]));
    const result = body.paths["/api/leases/{id}/result"].post.requestBody.content["application/json"].schema;
    expect(result.properties.result.properties.summary.properties.paramsHash.pattern).toBe("^[0-9a-f]{64}$");
  });
});

describe("GET /api/stats", () => {
  it("counts what exists (nothing validated yet on a fresh database)", async () => {
    const { status, body } = await api.request("GET", "/api/stats");
    expect(status).toBe(200);
    expect(body).toMatchObject({ unitsValidated: 0, trainingSteps: 0, flops: 0, leaderboard: [] });
    expect(body.volunteersActive).toBeGreaterThanOrEqual(0);
  });
});
