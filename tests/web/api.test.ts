/** The dashboard's API reads: every page of a paginated route, and errors that name the route and the API's message. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getRuns, getSweep, getUnits } from "../../web/dashboard/api.js";

const ORIGIN = "http://dashboard.test";
let requested: string[] = [];

/** Answers each request with `reply(url)`: [status, body]. */
function serve(reply: (url: URL) => [number, unknown]) {
  vi.stubGlobal("fetch", async (input: URL) => {
    requested.push(`${input.pathname}${input.search}`);
    const [status, body] = reply(input);
    return new Response(JSON.stringify(body), { status, statusText: status === 200 ? "OK" : "Not Found" });
  });
}

beforeEach(() => {
  requested = [];
  vi.stubGlobal("location", new URL(`${ORIGIN}/dashboard`));
});
afterEach(() => vi.unstubAllGlobals());

describe("paginated reads", () => {
  it("asks for pages of 100 runs until one comes back short, and keeps their order", async () => {
    const runs = Array.from({ length: 230 }, (_, i) => ({ unitId: `u${i}` }));
    serve((url) => {
      const [limit, offset] = [Number(url.searchParams.get("limit")), Number(url.searchParams.get("offset"))];
      return [200, { sweep: { id: "s", name: "s" }, axes: [], runs: runs.slice(offset, offset + limit) }];
    });
    const got = await getRuns("s", true);
    expect(got.map((run) => run.unitId)).toEqual(runs.map((run) => run.unitId));
    expect(requested).toEqual([
      "/api/sweeps/s/runs?include=approximate&limit=100&offset=0",
      "/api/sweeps/s/runs?include=approximate&limit=100&offset=100",
      "/api/sweeps/s/runs?include=approximate&limit=100&offset=200",
    ]);
  });

  it("asks for a further page after a full one, even if it is empty", async () => {
    serve((url) => [200, { units: url.searchParams.get("offset") === "0" ? Array.from({ length: 1000 }, (_, i) => ({ id: `u${i}` })) : [] }]);
    expect(await getUnits("s")).toHaveLength(1000);
    expect(requested).toEqual(["/api/sweeps/s/units?limit=1000&offset=0", "/api/sweeps/s/units?limit=1000&offset=1000"]);
  });
});

describe("errors", () => {
  it("name the route, the status and the API's message", async () => {
    serve(() => [404, { error: { code: "sweep_not_found", message: 'no sweep with id "x y"' } }]);
    await expect(getSweep("x y")).rejects.toThrow('GET /api/sweeps/x%20y: 404 no sweep with id "x y"');
  });

  it("fall back on the status text when the body is not the API's JSON", async () => {
    vi.stubGlobal("fetch", async () => new Response("<html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(getSweep("s")).rejects.toThrow("GET /api/sweeps/s: 502 Bad Gateway");
  });
});
