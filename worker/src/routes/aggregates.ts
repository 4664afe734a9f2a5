/**
 * Read-only results for researchers: a sweep's per-cell aggregates (JSON or CSV), one unit's
 * validated curves, and global stats with a leaderboard. Only validated results enter.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { RunSummary } from "../../../src/config/run-result.js";
import { aggregateCells, cellsToCsv, type UnitRow } from "../aggregate/cells.js";
import type { AppEnv } from "../env.js";
import { ApiError, validationHook } from "../errors.js";
import { aggregatesQuerySchema, type PhaseThresholds, type UnitCurves } from "../schema.js";

/** A volunteer counts as active if it leased or reported within this window. */
export const ACTIVE_WINDOW_MS = 24 * 3600 * 1000;

export const aggregates = new Hono<AppEnv>()
  .get("/sweeps/:id/aggregates", zValidator("query", aggregatesQuerySchema, validationHook), async (c) => {
    const db = c.env.DB;
    const sweep = await db.prepare("SELECT id, name, axes, phase_thresholds FROM sweeps WHERE id = ?").bind(c.req.param("id")).first<{ id: string; name: string; axes: string; phase_thresholds: string }>();
    if (!sweep) throw new ApiError(404, "sweep_not_found", `no sweep with id "${c.req.param("id")}"`);
    const { results } = await db
      .prepare("SELECT u.cell, u.seed, u.status, r.summary FROM units u LEFT JOIN results r ON r.id = u.validated_result_id WHERE u.sweep_id = ? ORDER BY u.rowid")
      .bind(sweep.id)
      .all<{ cell: string; seed: number; status: UnitRow["status"]; summary: string | null }>();
    const units: UnitRow[] = results.map((r) => ({ cell: JSON.parse(r.cell), seed: r.seed, status: r.status, summary: r.summary ? (JSON.parse(r.summary) as RunSummary) : null }));
    const axes = (JSON.parse(sweep.axes) as { path: string }[]).map((a) => a.path);
    const thresholds = JSON.parse(sweep.phase_thresholds) as PhaseThresholds;
    const cells = aggregateCells(units, thresholds);
    if (c.req.valid("query").format === "csv") {
      return c.body(cellsToCsv(axes, cells), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="sweep-${sweep.id}.csv"` });
    }
    return c.json({ sweep: { id: sweep.id, name: sweep.name }, axes, thresholds, cells });
  })
  .get("/units/:id/curves", async (c) => {
    const row = await c.env.DB.prepare("SELECT u.id, u.status, r.curves, r.summary, r.meta FROM units u LEFT JOIN results r ON r.id = u.validated_result_id WHERE u.id = ?")
      .bind(c.req.param("id"))
      .first<{ id: string; status: string; curves: string | null; summary: string | null; meta: string | null }>();
    if (!row) throw new ApiError(404, "unit_not_found", `no unit with id "${c.req.param("id")}"`);
    if (row.status !== "validated" || !row.curves) throw new ApiError(404, "not_validated", `unit ${row.id} has no validated result yet (status ${row.status})`);
    const curves: UnitCurves = { unitId: row.id, curves: JSON.parse(row.curves), summary: JSON.parse(row.summary!), meta: JSON.parse(row.meta!) };
    return c.json(curves);
  })
  .get("/stats", async (c) => {
    const db = c.env.DB;
    const since = Date.now() - ACTIVE_WINDOW_MS;
    const [active, validated, contributed, leaderboard] = await db.batch([
      db.prepare("SELECT COUNT(*) AS n FROM clients WHERE last_seen >= ?").bind(since),
      db.prepare("SELECT COUNT(*) AS n FROM units WHERE status = 'validated'"),
      db.prepare("SELECT COALESCE(SUM(json_extract(summary, '$.stepsRun')), 0) AS steps, COALESCE(SUM(flops), 0) AS flops FROM results WHERE status IN ('valid', 'approximate-accepted')"),
      db.prepare("SELECT client_id AS clientId, COUNT(*) AS validatedUnits FROM results WHERE status = 'valid' GROUP BY client_id ORDER BY validatedUnits DESC, MIN(created_at) LIMIT 20"),
    ]);
    const first = <T>(r: D1Result<T>) => r.results[0];
    return c.json({
      volunteersActive: first(active as D1Result<{ n: number }>).n,
      unitsValidated: first(validated as D1Result<{ n: number }>).n,
      trainingSteps: first(contributed as D1Result<{ steps: number; flops: number }>).steps,
      flops: first(contributed as D1Result<{ steps: number; flops: number }>).flops,
      leaderboard: (leaderboard as D1Result<{ clientId: string; validatedUnits: number }>).results,
    });
  });
