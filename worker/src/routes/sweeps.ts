import { Hono } from "hono";
import type { AppEnv } from "../env.js";
export const sweeps = new Hono<AppEnv>();
