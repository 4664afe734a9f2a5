// An app of your own, with the grokedge API (sweeps, leases, results, aggregates) mounted under /lab:
// POST /lab/api/sweeps, GET /lab/api/sweeps/:id/aggregates, … on the LAB_DB database.
import { Hono } from "hono";
import { createApp } from "grokedge/worker";

const app = new Hono();

app.get("/", (c) => c.text("my app; the grokedge lab is under /lab/api"));

app.route(
  "/lab",
  createApp({
    // Which of this Worker's bindings plays each of the API's roles.
    bindings: { DB: "LAB_DB", ADMIN_TOKEN: "LAB_ADMIN_TOKEN", TOKEN_SECRET: "LAB_TOKEN_SECRET" },
    leaseSeconds: 300,
  }),
);

export default app;
