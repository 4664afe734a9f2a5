/** Files the CLI reads and writes: JSON inputs with clear errors, and outputs that are never left half-written. */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UsageError } from "./errors.js";

/** Parsed JSON of `path`; a missing or malformed file is a UsageError saying which and why. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Writes `data` to `path` so that `path` is either its old content or the new one, never a part:
 * the bytes go to a temporary file in the same folder, are flushed to disk, and replace `path` in
 * one rename (atomic within a file system).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const file = await open(temporary, "wx", 0o644);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Refuses, before any work, an output that could not be written: its folder is missing or read-only
 * (writeFileAtomic creates a file there), or it is a folder.
 */
export async function requireWritable(path: string, option: string): Promise<void> {
  try {
    await access(dirname(path), constants.W_OK);
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot write there: ${(error as Error).message}`);
  }
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`${option} ${path}: is a folder, expected a file`);
}
