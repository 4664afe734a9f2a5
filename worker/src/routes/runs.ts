/**
 * GET /api/sweeps/:id/runs[?include=approximate][&limit&offset] (no token): the runs behind a sweep's
 * published results, curves included, for the dashboard's views and curve overlays. One page of runs,
 * units in grid order: each validated unit's validated run (status "valid"; its paramsHash is the
 * unit's validated hash, the one a visitor re-verifies against), followed, with include=approximate,
 * by the unit's approximate runs (GPU runs compared with it: approximate-accepted or -rejected).
 * Units awaiting their quorum show nothing: their hashes are still withheld (routes/sweeps.ts).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { AppEnv } from "../env.js";
import { ApiError, validationHook } from "../errors.js";
import { runsQuerySchema, type SweepRun, type SweepRunsReply } from "../schema.js";

interface RunRow {
  unit_id: string;
  result_id: string;
  cell: string;
  seed: number;
  backend: SweepRun["backend"];
  status: SweepRun["status"];
  params_hash: string;
  summary: string;
  curves: string;
}

/** ?1 sweep id, ?2 1 to include approximate runs, ?3 limit, ?4 offset. */
const RUNS_PAGE = `
  SELECT u.id AS unit_id, r.id AS result_id, u.cell, u.seed, r.backend, r.status,
    CASE WHEN r.id = u.validated_result_id THEN u.validated_hash ELSE r.params_hash END AS params_hash,
    r.summary, r.curves
  FROM units u JOIN results r ON r.unit_id = u.id
  WHERE u.sweep_id = ?1 AND u.status = 'validated'
    AND (r.id = u.validated_result_id OR (?2 = 1 AND r.status IN ('approximate-accepted', 'approximate-rejected')))
  ORDER BY u.created_at, u.rowid, r.id = u.validated_result_id DESC, r.created_at, r.id
  LIMIT ?3 OFFSET ?4`;

export const runs = new Hono<AppEnv>().get("/sweeps/:id/runs", zValidator("query", runsQuerySchema, validationHook), async (c) => {
  const db = c.env.DB;
  const id = c.req.param("id");
  const { include, limit, offset } = c.req.valid("query");
  const [sweeps, page] = await db.batch([
    db.prepare("SELECT id, name, axes FROM sweeps WHERE id = ?").bind(id),
    db.prepare(RUNS_PAGE).bind(id, include === "approximate" ? 1 : 0, limit, offset),
  ]);
  const sweep = (sweeps.results as { id: string; name: string; axes: string }[])[0];
  if (!sweep) throw new ApiError(404, "sweep_not_found", `no sweep with id "${id}"`);
  const reply = {
    sweep: { id: sweep.id, name: sweep.name },
    axes: (JSON.parse(sweep.axes) as { path: string }[]).map((a) => a.path),
    runs: (page.results as RunRow[]).map((r) => ({
      unitId: r.unit_id,
      resultId: r.result_id,
      cell: JSON.parse(r.cell),
      seed: r.seed,
      backend: r.backend,
      status: r.status,
      paramsHash: r.params_hash,
      summary: JSON.parse(r.summary),
      curves: JSON.parse(r.curves),
    })),
  } satisfies SweepRunsReply;
  return c.json(reply);
});
