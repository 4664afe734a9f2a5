/**
 * grokedge/worker's factory as a host app uses it, through the package's own export (the built
 * dist/, as `npm test` builds it first): bad options are refused naming the option, the API reads
 * the bindings the options name, a missing database is an error naming its binding, and the host's
 * environment is the host's again after the API's request. No Workers runtime here: Hono's
 * `app.request` with a stand-in D1 that records its SQL (examples/mount runs the real thing).
 */
import { Hono } from "hono";
import { createApp } from "grokedge/worker";
import { describe, expect, it } from "vitest";

/** A D1 database that answers every query with no rows, recording the SQL it was given. */
function recordingD1() {
  const sql: string[] = [];
  const statement = { bind: () => statement, all: async () => ({ results: [] }), first: async () => null, run: async () => ({ meta: { changes: 0 } }) };
  return { sql, prepare: (query: string) => (sql.push(query), statement) };
}

describe("createApp", () => {
  it("refuses options it cannot use, naming them", () => {
    expect(() => createApp({ bindings: { DATABASE: "LAB_DB" } as never })).toThrow(/options\.bindings\.DATABASE is not a role; expected one of DB, TOKEN_SECRET, ADMIN_TOKEN, LEASE_SECONDS/);
    expect(() => createApp({ bindings: { DB: "" } })).toThrow(/options\.bindings\.DB must be the name of a binding \(a non-empty string\), got ""/);
    expect(() => createApp({ leaseSeconds: 0 })).toThrow(/options\.leaseSeconds must be a positive number of seconds, got 0/);
  });

  it("reads the database and the secrets from the bindings the options name, mounted in a host app", async () => {
    const db = recordingD1();
    const env = { LAB_DB: db, LAB_ADMIN_TOKEN: "lab-admin-token-of-at-least-32-bytes", DB: "not a database" };
    let envAfter: unknown;
    const host = new Hono<{ Bindings: typeof env }>()
      .use(async (c, next) => {
        await next();
        envAfter = c.env;
      })
      .route("/lab", createApp({ bindings: { DB: "LAB_DB", ADMIN_TOKEN: "LAB_ADMIN_TOKEN" } }));

    const listed = await host.request("/lab/api/sweeps", {}, env);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ sweeps: [] });
    expect(db.sql).toEqual([expect.stringMatching(/FROM sweeps/)]);
    // The host's environment again once the API has answered.
    expect(envAfter).toBe(env);

    const asAdmin = (token: string) => host.request("/lab/api/sweeps", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" }, env);
    expect((await asAdmin("ADMIN_TOKEN")).status).toBe(403);
    // Past the admin check (LAB_ADMIN_TOKEN), refused by the body's validation.
    expect((await asAdmin("lab-admin-token-of-at-least-32-bytes")).status).toBe(400);
  });

  it("says which binding is missing when the database is not bound", async () => {
    const response = await createApp({ bindings: { DB: "LAB_DB" } }).request("/api/sweeps", {}, { DB: recordingD1() });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: "misconfigured", message: 'the server has no D1 database bound as LAB_DB (wrangler.toml: [[d1_databases]] binding = "LAB_DB")' } });
  });
});
