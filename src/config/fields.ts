/** zod fields the run config's parts share. */
import * as z from "./zod.js";

export const positiveInt = z.number().check(z.int(), z.positive());
export const nonNegative = z.number().check(z.nonnegative());
export const probability = z.number().check(z.gt(0), z.lt(1));
/** Standard deviation of a tensor's initial values; omitted: the model's default (fan-in normal for weights). */
export const initStd = z.optional(z.number().check(z.positive()));

/** Reports a rule that spans fields: the path inside the run config and what is wrong. */
export type IssueSink = (path: (string | number)[], message: string) => void;
