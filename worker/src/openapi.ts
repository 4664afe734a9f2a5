/**
 * GET /api/openapi.json — the API described for researchers' tools, request bodies generated from the
 * same zod schemas the routes validate with (zod's JSON Schema export), so the two cannot drift.
 */
import { Hono } from "hono";
import { z } from "zod";
import { runResultSchema } from "../../src/config/run-result.js";
import type { AppEnv } from "./env.js";
import { createSweepSchema, progressSchema, registerClientSchema, submitResultSchema } from "./schema.js";

const json = (schema: z.ZodType) => ({ content: { "application/json": { schema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) } } });
const error = { description: "JSON error: { error: { code, message, issues? } }" };
const admin = [{ admin: [] }];
const client = [{ client: [] }];

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: { title: "grokedge edge API", version: "1", description: "Sweeps of grokking runs computed by volunteers' browsers, validated by quorum." },
    components: {
      securitySchemes: {
        admin: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN from the server's environment" },
        client: { type: "http", scheme: "bearer", description: "client token from POST /api/clients" },
      },
      schemas: { RunResult: z.toJSONSchema(runResultSchema, { io: "input", unrepresentable: "any" }) },
    },
    paths: {
      "/api/sweeps": {
        post: { summary: "Create a sweep: base config × grid axes × seeds", security: admin, requestBody: json(createSweepSchema), responses: { 201: { description: "the sweep and its unit count" }, 400: error, 401: error, 403: error } },
        get: { summary: "List sweeps with unit counts", responses: { 200: { description: "sweeps" } } },
      },
      "/api/sweeps/{id}": { get: { summary: "One sweep with counts (pending, leased, awaiting quorum, validated, failed)", responses: { 200: { description: "the sweep" }, 404: error } } },
      "/api/sweeps/{id}/units": { get: { summary: "The sweep's units with config, replicas needed, leases and results (?limit, ?offset)", responses: { 200: { description: "units" }, 404: error } } },
      "/api/sweeps/{id}/aggregates": { get: { summary: "Per grid cell over seeds: medians and spreads, phase labels; ?format=csv for CSV", responses: { 200: { description: "cells" }, 404: error } } },
      "/api/units/{id}/curves": { get: { summary: "One unit's validated curves and summary", responses: { 200: { description: "curves" }, 404: error } } },
      "/api/stats": { get: { summary: "Volunteers active, units validated, steps and FLOPs contributed, leaderboard", responses: { 200: { description: "stats" } } } },
      "/api/clients": { post: { summary: "Register a volunteer; returns a signed client token", requestBody: json(registerClientSchema), responses: { 201: { description: "clientId and token" }, 400: error } } },
      "/api/leases": { post: { summary: "Lease the next work unit (204 when there is none); ?sweep=<id> takes work from one sweep only", security: client, responses: { 201: { description: "lease with config and deadline" }, 204: { description: "no work" }, 401: error } } },
      "/api/leases/{id}/progress": { post: { summary: "Report progress; extends the deadline; says stop if the unit is complete", security: client, requestBody: json(progressSchema), responses: { 200: { description: "{ stop, deadline }" }, 400: error, 401: error, 403: error, 404: error } } },
      "/api/leases/{id}/result": { post: { summary: "Report the result (idempotent)", security: client, requestBody: json(submitResultSchema), responses: { 200: { description: "stored earlier; its verdict" }, 201: { description: "stored; its verdict" }, 400: error, 401: error, 404: error, 409: error } } },
    },
  };
}

export const openapi = new Hono<AppEnv>().get("/openapi.json", (c) => c.json(openApiDocument()));
