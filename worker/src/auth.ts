/**
 * Who is calling: admins by a bearer token from the environment; volunteers by a client token
 * `<clientId>.<hex HMAC-SHA256(clientId, TOKEN_SECRET)>` issued at registration.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(message));
  return Array.from(new Uint8Array(signature), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time comparison of two strings (no early exit on the first differing character). */
function equalStrings(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export async function issueClientToken(secret: string, clientId: string): Promise<string> {
  return `${clientId}.${await hmacHex(secret, clientId)}`;
}

/** The client id a token proves, or null if it is malformed or forged. */
export async function verifyClientToken(secret: string, token: string): Promise<string | null> {
  const dot = token.lastIndexOf(".");
  if (dot <= 0) return null;
  const clientId = token.slice(0, dot);
  return equalStrings(token.slice(dot + 1), await hmacHex(secret, clientId)) ? clientId : null;
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match ? match[1] : null;
}

function requireSecret(value: string | undefined, name: string): string {
  if (!value) throw new ApiError(500, "misconfigured", `the server has no ${name} configured`);
  return value;
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = requireSecret(c.env.ADMIN_TOKEN, "ADMIN_TOKEN");
  const token = bearer(c.req.header("authorization"));
  if (!token) throw new ApiError(401, "missing_admin_token", "this endpoint needs `Authorization: Bearer <admin token>`");
  if (!equalStrings(token, expected)) throw new ApiError(403, "bad_admin_token", "the admin token is not valid");
  await next();
};

export const requireClient: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secret = requireSecret(c.env.TOKEN_SECRET, "TOKEN_SECRET");
  const token = bearer(c.req.header("authorization"));
  if (!token) throw new ApiError(401, "missing_client_token", "this endpoint needs `Authorization: Bearer <client token>` from POST /api/clients");
  const clientId = await verifyClientToken(secret, token);
  if (!clientId) throw new ApiError(401, "bad_client_token", "the client token is malformed or its signature does not match");
  // Every authenticated call counts as activity (the stats' "volunteers active").
  const seen = await c.env.DB.prepare("UPDATE clients SET last_seen = ? WHERE id = ?").bind(Date.now(), clientId).run();
  if (seen.meta.changes === 0) throw new ApiError(401, "unknown_client", `client ${clientId} is not registered here`);
  c.set("clientId", clientId);
  await next();
};
