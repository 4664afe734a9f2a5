/**
 * A nesting-depth limit on every JSON request body, checked on the raw text before anything parses
 * it: the validators (zod) and the sweep grid (structuredClone of the base config) recurse once per
 * level, and a body nested a few thousand levels deep overflowed the Worker's stack (a 500). The
 * size limit (MAX_BODY_BYTES, app.ts's bodyLimit) runs first, so the scan reads at most 1 MiB.
 *
 * The API's deepest legitimate body, a result (result → config → model → hidden[]), nests 5 levels;
 * MAX_JSON_DEPTH leaves ample room and stays far below any recursion limit.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.js";

/** Deepest nesting of arrays and objects a request body may have (the top-level value is level 1). */
export const MAX_JSON_DEPTH = 32;

/** The media types the JSON validator parses (hono's validator: application/json and application/*+json). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Whether `text` nests arrays and objects more than `limit` levels deep, brackets inside strings not
 * counting. It stops at the first level past the limit; it does not check that `text` is valid JSON
 * (the parser that runs next does).
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c /* \ */) i++; // the escaped character cannot end the string
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b /* { */ || char === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) depth--;
  }
  return false;
}

/** Refuses (400 `too_deep`) a JSON body nested deeper than MAX_JSON_DEPTH; other requests pass untouched. */
export const limitJsonDepth: MiddlewareHandler = async (c, next) => {
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0].trim();
  if (c.req.raw.body !== null && JSON_MEDIA_TYPE.test(mediaType)) {
    // c.req.text() caches the body: the validator's c.req.json() parses the same text afterwards.
    if (nestsDeeperThan(await c.req.text(), MAX_JSON_DEPTH)) {
      throw new ApiError(400, "too_deep", `the JSON body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are allowed`);
    }
  }
  await next();
};
