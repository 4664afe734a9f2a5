/**
 * grokedge/client: the typed client of the edge API, for researchers' scripts and tools (browsers,
 * Node, Workers). Every route, request and reply is typed from the API's own route definitions
 * (worker/src/app.ts through hono/client), with no Workers types needed:
 *
 *   import { createApiClient } from "grokedge/client";
 *   const api = createApiClient("https://lab.example.org", { headers: { authorization: `Bearer ${token}` } });
 *   const created = await api.api.sweeps.$post({ json: { name, baseConfig, seeds: [0, 1] } });
 *   if (created.status === 201) console.log((await created.json()).sweep.id);
 */
import type { InferRequestType, InferResponseType } from "hono/client";
import type { ApiClient } from "../../worker/src/client.js";

export { createApiClient, type ApiClient } from "../../worker/src/client.js";
export type { ClientResultsReply, CreateSweep, ErrorBody, Lease, PhaseThresholds, ProgressReply, RegisteredClient, ResultVerdict, SubmitResult, UnitCurves } from "../../worker/src/schema.js";
export type { RunConfig, RunConfigInput } from "../config/run-config.js";
export type { CurvePoint, RunMeta, RunResult, RunSummary } from "../config/run-result.js";

type Api = ApiClient["api"];

/** POST /api/sweeps (admin): the sweep to create, as sent (defaults may be left out). */
export type CreateSweepRequest = InferRequestType<Api["sweeps"]["$post"]>["json"];
/** POST /api/clients: a volunteer's capabilities. */
export type RegisterClientRequest = InferRequestType<Api["clients"]["$post"]>["json"];
/** POST /api/leases/:id/progress: steps done (and the latest curve point). */
export type ProgressRequest = InferRequestType<Api["leases"][":id"]["progress"]["$post"]>["json"];
/** POST /api/leases/:id/result: the run's result and timings. */
export type SubmitResultRequest = InferRequestType<Api["leases"][":id"]["result"]["$post"]>["json"];

/** GET /api/sweeps: every sweep with its units' counts by state. */
export type SweepList = InferResponseType<Api["sweeps"]["$get"], 200>;
/** GET /api/sweeps/:id: one sweep. */
export type SweepReply = InferResponseType<Api["sweeps"][":id"]["$get"], 200>;
/**
 * GET /api/sweeps/:id/aggregates (`format: "json"`, the default): per grid cell, the validated seeds'
 * metrics and phases. The route answers CSV too (`format: "csv"`), with the same status, so the
 * client types the body of a 200 as `unknown`: `(await res.json()) as AggregatesReply`.
 */
export type AggregatesReply = Extract<InferResponseType<Api["sweeps"][":id"]["aggregates"]["$get"]>, { cells: unknown }>;
/** GET /api/stats: volunteers, validated units, steps and FLOPs, the leaderboard. */
export type StatsReply = InferResponseType<Api["stats"]["$get"], 200>;
