/** POST /api/clients — a volunteer registers its capabilities and gets a signed client token. */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { issueClientToken } from "../auth.js";
import type { AppEnv } from "../env.js";
import { validationHook } from "../errors.js";
import { registerClientSchema, type RegisteredClient } from "../schema.js";

export const clients = new Hono<AppEnv>().post("/", zValidator("json", registerClientSchema, validationHook), async (c) => {
  const capabilities = c.req.valid("json");
  const id = crypto.randomUUID();
  const now = Date.now();
  await c.env.DB.prepare("INSERT INTO clients (id, capabilities, created_at, last_seen) VALUES (?, ?, ?, ?)").bind(id, JSON.stringify(capabilities), now, now).run();
  return c.json({ clientId: id, token: await issueClientToken(c.env.TOKEN_SECRET, id) } satisfies RegisteredClient, 201);
});
