/**
 * The checks every secret passes before the API uses it (auth.ts: TOKEN_SECRET, TOKEN_SECRET_PREVIOUS,
 * ADMIN_TOKEN): present, not a placeholder, at least MIN_SECRET_BYTES long. A server started with a
 * copied .dev.vars.example, or a guessable short token, refuses (500 `misconfigured`, naming the
 * variable and the fix) rather than trusting a public value.
 */
import { ApiError } from "./errors.js";

/** Shortest secret accepted, in bytes (UTF-8): 256 bits if random. */
export const MIN_SECRET_BYTES = 32;
/** What every placeholder secret contains (.dev.vars.example). */
export const PLACEHOLDER_MARK = "change-me";

const encoder = new TextEncoder();

/** The secret in `name`, or a 500 `misconfigured` saying why it is refused. */
export function requireSecret(value: string | undefined, name: string): string {
  const fix = `set ${name} to at least ${MIN_SECRET_BYTES} random bytes, e.g. \`openssl rand -hex 32\` (wrangler secret put ${name}; locally .dev.vars, see .dev.vars.example)`;
  if (!value) throw new ApiError(500, "misconfigured", `the server has no ${name} configured: ${fix}`);
  if (value.toLowerCase().includes(PLACEHOLDER_MARK)) throw new ApiError(500, "misconfigured", `${name} is still a placeholder (it contains "${PLACEHOLDER_MARK}"): ${fix}`);
  const bytes = encoder.encode(value).length;
  if (bytes < MIN_SECRET_BYTES) throw new ApiError(500, "misconfigured", `${name} is ${bytes} bytes, shorter than the ${MIN_SECRET_BYTES} required: ${fix}`);
  return value;
}
