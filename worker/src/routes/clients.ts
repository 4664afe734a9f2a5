/**
 * POST /api/clients — a volunteer registers its capabilities and gets a signed client token and its
 * expiry (auth.ts).
 * POST /api/clients/me/token (client token, expired up to 30 days ago allowed) — a fresh token for the
 * same client, so a volunteer keeps its identity (its results, its quorum slots) across expiries.
 * GET /api/clients/me/results (client token) — the volunteer's own results and their verdicts, newest
 * first (the volunteer page polls it).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { issueClientToken, requireClient, requireClientForRefresh } from "../auth.js";
import type { AppEnv } from "../env.js";
import { validationHook } from "../errors.js";
import { registerClientSchema, type ClientResultsReply, type RegisteredClient } from "../schema.js";

/** Most results GET /api/clients/me/results answers (the newest). */
export const MAX_CLIENT_RESULTS = 100;

type ClientResult = ClientResultsReply["results"][number];

export const clients = new Hono<AppEnv>()
  .post("/", zValidator("json", registerClientSchema, validationHook), async (c) => {
    const capabilities = c.req.valid("json");
    const id = crypto.randomUUID();
    const now = Date.now();
    // Signed before the row is stored: a misconfigured secret (500) leaves no client behind.
    const { token, expiresAt } = await issueClientToken(c.env, id, now);
    await c.env.DB.prepare("INSERT INTO clients (id, capabilities, created_at, last_seen) VALUES (?, ?, ?, ?)").bind(id, JSON.stringify(capabilities), now, now).run();
    return c.json({ clientId: id, token, expiresAt } satisfies RegisteredClient, 201);
  })
  .post("/me/token", requireClientForRefresh, async (c) => {
    const { token, expiresAt } = await issueClientToken(c.env, c.var.clientId, Date.now());
    return c.json({ clientId: c.var.clientId, token, expiresAt } satisfies RegisteredClient, 200);
  })
  .get("/me/results", requireClient, async (c) => {
    const { results } = await c.env.DB.prepare(
      `SELECT r.id, r.unit_id AS unitId, u.sweep_id AS sweepId, s.name AS sweepName, r.backend, r.status, u.status AS unitStatus, r.created_at AS createdAt
       FROM results r JOIN units u ON u.id = r.unit_id JOIN sweeps s ON s.id = u.sweep_id
       WHERE r.client_id = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`,
    )
      .bind(c.var.clientId, MAX_CLIENT_RESULTS)
      .all<ClientResult>();
    return c.json({ results } satisfies ClientResultsReply);
  });
