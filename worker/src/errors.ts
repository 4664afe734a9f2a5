/**
 * Every error the API returns is JSON: `{ error: { code, message, issues? } }` with a 4xx/5xx status,
 * saying what was wrong (which field, what was expected). Nothing is stored on an error path.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** What the validator hook needs of a zod error (zod 4's core $ZodError has it). */
interface IssueList {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}
import { formatPath } from "../../src/config/run-config.js";

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string, readonly issues?: ApiIssue[]) {
    super(message);
  }
}

export function errorResponse(c: Context, error: ApiError) {
  return c.json({ error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } }, error.status);
}

export function issuesOf(error: IssueList): ApiIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** The @hono/zod-validator hook: a schema violation becomes a 400 naming each bad field. */
export function validationHook(result: { success: boolean; error?: IssueList }, c: Context) {
  if (!result.success) {
    const issues = issuesOf(result.error!);
    return errorResponse(c, new ApiError(400, "invalid_body", `invalid request: ${issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; ")}`, issues));
  }
}
