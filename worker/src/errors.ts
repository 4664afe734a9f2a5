/**
 * Every error the API returns is JSON: `{ error: { code, message, issues? } }` (schema.ts errorBodySchema)
 * with a 4xx/5xx status, saying what was wrong (which field, what was expected). Nothing is stored on
 * an error path.
 */
import type { Context } from "hono";
import type { ClientErrorStatusCode, ServerErrorStatusCode } from "hono/utils/http-status";
import { formatPath } from "../../src/config/run-config.js";
import type { ErrorBody } from "./schema.js";

/** What the validator hook needs of a zod error (zod 4's core $ZodError has it). */
interface IssueList {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

export interface ApiIssue {
  path: string;
  message: string;
}

/** 4xx and 5xx only: a typed client then tells a reply from an error by its status alone (`if (res.status === 201)`). */
export type ErrorStatusCode = ClientErrorStatusCode | ServerErrorStatusCode;

export class ApiError extends Error {
  constructor(readonly status: ErrorStatusCode, readonly code: string, message: string, readonly issues?: ApiIssue[]) {
    super(message);
  }
}

export function errorResponse(c: Context, error: ApiError) {
  return c.json({ error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } } satisfies ErrorBody, error.status);
}

export function issuesOf(error: IssueList): ApiIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** Which part of the request a field is in: the JSON body or the query string. */
export type InputPart = "body" | "query";

/** A 400 `invalid_body` / `invalid_query` naming each bad field of that part of the request. */
export function invalidInput(part: InputPart, issues: ApiIssue[]): ApiError {
  return new ApiError(400, `invalid_${part}`, `invalid ${part}: ${issues.map((i) => `${i.path || `(${part})`}: ${i.message}`).join("; ")}`, issues);
}

/** The @hono/zod-validator hook (for the JSON body or the query): a schema violation becomes a 400 naming each bad field and where it is. */
export function validationHook(result: { success: boolean; error?: IssueList; target: "json" | "query" }, c: Context) {
  if (!result.success) return errorResponse(c, invalidInput(result.target === "json" ? "body" : "query", issuesOf(result.error!)));
}
