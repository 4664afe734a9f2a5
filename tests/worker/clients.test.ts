import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerServer } from "../support/worker-server.js";

let api: WorkerServer;
beforeAll(async () => {
  api = await startWorker();
}, 90_000);
afterAll(() => api?.close());

const capabilities = { simd: true, threads: true, cores: 8, webgpu: false, userAgent: "test" };
/** Every registered client was seen within the activity window, so this counts them all. */
const clientCount = async () => (await api.request("GET", "/api/stats")).body.volunteersActive as number;

describe("POST /api/clients", () => {
  it("registers a volunteer and returns a signed token", async () => {
    const before = await clientCount();
    const { status, body } = await api.request("POST", "/api/clients", { body: capabilities });
    expect(status).toBe(201);
    expect(body.token).toMatch(new RegExp(`^v1\\.${body.clientId}\\.${body.expiresAt}\\.[0-9a-f]{64}$`));
    expect(await clientCount()).toBe(before + 1);
  });

  it("says which field is wrong, storing nothing", async () => {
    const before = await clientCount();
    const { status, body } = await api.request("POST", "/api/clients", { body: { ...capabilities, cores: 0 } });
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_body");
    expect(body.error.issues[0].path).toBe("cores");
    expect(body.error.message).toMatch(/^invalid body: cores: /);
    expect(await clientCount()).toBe(before);
  });

  it("refuses malformed JSON, storing nothing", async () => {
    const before = await clientCount();
    const { status, body } = await api.request("POST", "/api/clients", { rawBody: "{not json" });
    expect(status).toBe(400);
    expect(body.error.code).toBe("malformed_json");
    expect(await clientCount()).toBe(before);
  });

  it("refuses a body over the size limit, storing nothing", async () => {
    const before = await clientCount();
    const { status, body } = await api.request("POST", "/api/clients", { rawBody: JSON.stringify({ ...capabilities, userAgent: "x".repeat(2 << 20) }) });
    expect(status).toBe(413);
    expect(body.error.code).toBe("body_too_large");
    expect(await clientCount()).toBe(before);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const { status, body } = await api.request("GET", "/api/nothing");
    expect(status).toBe(404);
    expect(body.error.code).toBe("not_found");
  });
});

describe("GET /api/openapi.json", () => {
  it("describes bodies and query parameters with schemas generated from the validators'", async () => {
    const { status, body } = await api.request("GET", "/api/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    const { schemas } = body.components;
    const resolve = (schema: { $ref?: string }) => (schema.$ref ? schemas[schema.$ref.replace("#/components/schemas/", "")] : schema);
    const bodyOf = (path: string) => resolve(body.paths[path].post.requestBody.content["application/json"].schema);
    expect(bodyOf("/api/clients").required).toEqual(expect.arrayContaining(["simd", "threads", "cores", "webgpu", "userAgent"]));
    // The result's RunResult is the shared component, not a copy.
    const submitted = bodyOf("/api/leases/{id}/result");
    expect(submitted.properties.result).toEqual({ $ref: "#/components/schemas/RunResult" });
    expect(resolve(schemas.RunResult.properties.summary).properties.paramsHash.pattern).toBe("^[0-9a-f]{64}$");

    const queryOf = (path: string, method: string) => Object.fromEntries(body.paths[path][method].parameters.map((p: any) => [p.name, p]));
    expect(queryOf("/api/sweeps/{id}/units", "get")).toMatchObject({ limit: { in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 1000 } }, offset: { in: "query" } });
    expect(queryOf("/api/sweeps/{id}/aggregates", "get").format.schema.enum).toEqual(["json", "csv"]);
    expect(queryOf("/api/leases", "post").sweep).toMatchObject({ in: "query", required: false });
    for (const path of ["/api/sweeps", "/api/clients", "/api/leases/{id}/progress", "/api/leases/{id}/result"]) {
      expect(body.paths[path].post.responses[413].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    }
    const lease = resolve(resolve(body.paths["/api/leases"].post.responses[201].content["application/json"].schema).properties.lease);
    expect(lease.properties.config).toEqual({ $ref: "#/components/schemas/RunConfig" });
    expect(lease.properties.backend.enum).toEqual(["wasm-simd", "tfjs-webgpu"]);
    expect(queryOf("/api/leases", "post").backends).toMatchObject({ required: false, schema: { type: "string", default: "wasm-simd", pattern: expect.stringContaining("tfjs-webgpu") } });
    expect(bodyOf("/api/sweeps").properties.gpuReplicas).toMatchObject({ type: "integer", minimum: 0, maximum: 3, default: 0 });
  });

  it("describes the published runs and a volunteer's own results", async () => {
    const { body } = await api.request("GET", "/api/openapi.json");
    const { schemas } = body.components;
    const replyOf = (path: string) => body.paths[path].get.responses[200].content["application/json"].schema;
    const runs = body.paths["/api/sweeps/{id}/runs"].get;
    expect(runs.parameters.map((p: any) => p.name)).toEqual(["limit", "offset", "include"]);
    expect(runs.parameters[2].schema.enum).toEqual(["approximate"]);
    expect(Object.keys(runs.responses)).toEqual(["200", "400", "404"]);
    expect(replyOf("/api/sweeps/{id}/runs")).toEqual({ $ref: "#/components/schemas/SweepRuns" });
    expect(schemas.SweepRuns.properties.runs.items).toEqual({ $ref: "#/components/schemas/SweepRun" });
    expect(schemas.SweepRun.properties.curves.items).toEqual({ $ref: "#/components/schemas/CurvePoint" });
    expect(schemas.SweepRun.properties.status.enum).toEqual(["valid", "approximate-accepted", "approximate-rejected"]);
    const mine = body.paths["/api/clients/me/results"].get;
    expect(mine.security).toEqual([{ client: [] }]);
    expect(Object.keys(mine.responses)).toEqual(["200", "401"]);
    expect(replyOf("/api/clients/me/results")).toEqual({ $ref: "#/components/schemas/ClientResults" });
    expect(schemas.ClientResults.properties.results.items.required).toEqual(["id", "unitId", "sweepId", "sweepName", "backend", "status", "unitStatus", "createdAt"]);
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
