/**
 * The admin token (sweep creation): from $GROKEDGE_ADMIN_TOKEN, else from the config file
 * $XDG_CONFIG_HOME/grokedge/config.json (default ~/.config/grokedge/config.json) as
 * `{ "adminToken": "…" }`. Never from a flag, which would land in shell history and `ps`. The file
 * must be private to its owner (mode 0600 or stricter): a token others can read is refused.
 */
import { homedir } from "node:os";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "./errors.js";
import type { CliIo } from "./io.js";

export const ADMIN_TOKEN_ENV = "GROKEDGE_ADMIN_TOKEN";

export function configFilePath(env: CliIo["env"]): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "grokedge", "config.json");
}

export async function adminToken(env: CliIo["env"]): Promise<string> {
  const fromEnv = env[ADMIN_TOKEN_ENV];
  if (fromEnv) return fromEnv;
  const path = configFilePath(env);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw new UsageError(`cannot read ${path}: ${error.message}`);
  });
  if (!info) throw new UsageError(`creating a sweep needs the admin token: set ${ADMIN_TOKEN_ENV}, or write {"adminToken": "…"} to ${path} and chmod 600 it`);
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new UsageError(`${path} has mode ${mode}: group or others can read or change the admin token in it; run chmod 600 ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  const token = (parsed as { adminToken?: unknown } | null)?.adminToken;
  if (typeof token !== "string" || token === "") throw new UsageError(`${path}: adminToken: expected a non-empty string`);
  return token;
}
