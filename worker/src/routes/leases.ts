import { Hono } from "hono";
import type { AppEnv } from "../env.js";
export const leases = new Hono<AppEnv>();
export async function expireLeases(_db: D1Database, _now: number): Promise<number> {
  return 0;
}
