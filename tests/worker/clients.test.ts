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
