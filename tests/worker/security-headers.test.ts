/**
 * The API's reply headers (nosniff and an empty CSP on every reply), strict CORS (only the origins
 * ALLOWED_ORIGINS lists) and the JSON depth limit (400 too_deep, never a 500), on a real `wrangler
 * dev`; the depth scan and the origins' parsing also as functions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../worker/src/json-body.js";
import { allowedOrigins } from "../../worker/src/security-headers.js";
import { BASE_CONFIG, CAPABILITIES } from "../support/sweep-fixtures.js";
import { startWorker, TEST_ADMIN_TOKEN, type WorkerServer } from "../support/worker-server.js";

const LAB = "https://lab.example.org";
const LOCAL_TOOL = "http://localhost:5173";

/** `value` inside `depth` levels of arrays (depth 0: the value itself). */
const nestedArrays = (depth: number, value = "0") => `${"[".repeat(depth)}${value}${"]".repeat(depth)}`;
/** `value` inside `depth` levels of objects `{"a": …}`. */
const nestedObjects = (depth: number, value = "0") => `${'{"a":'.repeat(depth)}${value}${"}".repeat(depth)}`;

describe("nestsDeeperThan", () => {
  it("counts arrays and objects, not brackets inside strings", () => {
    expect(nestsDeeperThan("0", 0)).toBe(false);
    expect(nestsDeeperThan("[]", 0)).toBe(true);
    expect(nestsDeeperThan(nestedArrays(32), 32)).toBe(false);
    expect(nestsDeeperThan(nestedArrays(33), 32)).toBe(true);
    expect(nestsDeeperThan(nestedObjects(33), 32)).toBe(true);
    expect(nestsDeeperThan(`[${"[],".repeat(100)}[]]`, 2)).toBe(false);
    expect(nestsDeeperThan(`["${"[{".repeat(100)}"]`, 1)).toBe(false);
    // An escaped quote does not end the string; an escaped backslash does not escape the quote after it.
    expect(nestsDeeperThan(String.raw`["\"[[[[", "\\", "[[["]`, 1)).toBe(false);
    expect(nestsDeeperThan(String.raw`["\\", [[[]]]]`, 3)).toBe(true);
  });
});

describe("allowedOrigins", () => {
  it("lists origins and refuses anything else, naming it", () => {
    expect(allowedOrigins(undefined)).toEqual([]);
    expect(allowedOrigins(` ${LAB}, ${LOCAL_TOOL} ,`)).toEqual([LAB, LOCAL_TOOL]);
    for (const bad of ["*", `${LAB}/`, `${LAB}/path`, "lab.example.org", "null"]) {
      expect(() => allowedOrigins(bad), bad).toThrow(`ALLOWED_ORIGINS: "${bad}" is not an origin`);
    }
  });
});

describe("the API's headers", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker({ vars: { ALLOWED_ORIGINS: `${LAB},${LOCAL_TOOL}` } });
  }, 90_000);
  afterAll(() => api?.close());

  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => fetch(api.origin + path, { method, headers, body });
  /** The reply's Access-Control-* headers, by name. */
  const corsHeaders = (response: Response) => {
    const found: Record<string, string> = {};
    response.headers.forEach((value, name) => name.startsWith("access-control-") && (found[name] = value));
    return found;
  };

  it("says nosniff, and allows no content and no framing, on every reply, errors included", async () => {
    const replies = [
      await send("GET", "/api/stats"),
      await send("GET", "/api/openapi.json"),
      await send("GET", "/api/nothing"),
      await send("POST", "/api/clients", { "content-type": "application/json" }, "{not json"),
      await send("POST", "/api/clients", { "content-type": "application/json" }, nestedArrays(100)),
      await send("POST", "/api/leases"),
      await send("OPTIONS", "/api/stats", { origin: "https://elsewhere.example", "access-control-request-method": "GET" }),
    ];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 404, 400, 400, 401, 403]);
    for (const reply of replies) {
      expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
      expect(reply.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it("sends Access-Control-Allow-Origin to a listed origin only", async () => {
    for (const origin of [LAB, LOCAL_TOOL]) {
      const reply = await send("GET", "/api/stats", { origin });
      expect(reply.headers.get("access-control-allow-origin")).toBe(origin);
      expect(reply.headers.get("access-control-expose-headers")).toBe("Retry-After");
      expect(reply.headers.get("vary")).toMatch(/Origin/);
    }
    // Errors too: a listed page reads why it was refused.
    expect((await send("POST", "/api/leases", { origin: LAB })).headers.get("access-control-allow-origin")).toBe(LAB);
    for (const origin of ["https://elsewhere.example", `${LAB}.evil.example`, "http://lab.example.org", "null"]) {
      const reply = await send("GET", "/api/stats", { origin });
      expect(reply.status).toBe(200);
      expect(corsHeaders(reply), origin).toEqual({});
    }
    // The pages of the API's own origin need nothing.
    const same = await send("GET", "/api/stats", { origin: api.origin });
    expect(same.status).toBe(200);
    expect(corsHeaders(same)).toEqual({});
  });

  it("answers a listed origin's preflight with what the API takes, and an unlisted one's with a bare 403", async () => {
    const preflight = (origin: string) => send("OPTIONS", "/api/leases", { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, idempotency-key" });
    const allowed = await preflight(LAB);
    expect(allowed.status).toBe(204);
    expect(corsHeaders(allowed)).toEqual({
      "access-control-allow-origin": LAB,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "Authorization, Content-Type, Idempotency-Key",
      "access-control-max-age": "600",
    });
    const refused = await preflight("https://elsewhere.example");
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused)).toEqual({});
    expect((await refused.json()).error).toEqual({ code: "origin_not_allowed", message: "cross-origin calls from https://elsewhere.example are not allowed: the server's ALLOWED_ORIGINS does not list it" });
  });
});

describe("the JSON depth limit", () => {
  let api: WorkerServer;
  beforeAll(async () => {
    api = await startWorker();
  }, 90_000);
  afterAll(() => api?.close());

  const post = (path: string, rawBody: string, token?: string) => api.request("POST", path, { rawBody, token });
  const expectTooDeep = (reply: { status: number; body: any }) => {
    expect(reply.status).toBe(400);
    expect(reply.body.error).toEqual({ code: "too_deep", message: `the JSON body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are allowed` });
  };
  const sweepWithBase = (nested: string) => `{"name": "deep", "seeds": [0], "baseConfig": ${nested.replace(/0(?=[\]}]*$)/, JSON.stringify(BASE_CONFIG))}}`;

  it("refuses a sweep whose base config nests 3,000 or 100,000 levels (once a 500), storing nothing", async () => {
    for (const depth of [3000, 100_000]) {
      expectTooDeep(await post("/api/sweeps", sweepWithBase(nestedObjects(depth)), TEST_ADMIN_TOKEN));
      expectTooDeep(await post("/api/sweeps", sweepWithBase(`{"model": ${nestedArrays(depth)}}`), TEST_ADMIN_TOKEN));
    }
    expect((await api.request("GET", "/api/sweeps")).body.sweeps).toEqual([]);
  });

  it("refuses deep bodies on every JSON route, before any other check", async () => {
    const { body: client } = await api.request("POST", "/api/clients", { body: CAPABILITIES });
    for (const depth of [MAX_JSON_DEPTH + 1, 3000, 100_000]) {
      for (const nested of [nestedArrays(depth), nestedObjects(depth)]) {
        expectTooDeep(await post("/api/clients", nested));
        expectTooDeep(await post("/api/sweeps", nested));
        expectTooDeep(await post("/api/leases/no-such-lease/progress", nested, client.token));
        expectTooDeep(await post("/api/leases/no-such-lease/result", nested, client.token));
      }
    }
  }, 60_000);

  it(`lets ${MAX_JSON_DEPTH} levels through to validation, and brackets in strings are not levels`, async () => {
    const atLimit = await post("/api/clients", nestedObjects(MAX_JSON_DEPTH - 1, JSON.stringify(CAPABILITIES)));
    expect(atLimit.status).toBe(400);
    expect(atLimit.body.error.code).toBe("invalid_body");
    const bracketed = await api.request("POST", "/api/clients", { body: { ...CAPABILITIES, userAgent: "[{".repeat(200) } });
    expect(bracketed.status).toBe(201);
  });
});
