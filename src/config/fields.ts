/** zod fields the run config's parts share. */
import { z } from "zod";

export const positiveInt = z.number().int().positive();
export const nonNegative = z.number().nonnegative();
export const probability = z.number().gt(0).lt(1);
/** Standard deviation of a tensor's initial values; omitted: the model's default (fan-in normal for weights). */
export const initStd = z.number().positive().optional();

/** Reports a rule that spans fields: the path inside the run config and what is wrong. */
export type IssueSink = (path: (string | number)[], message: string) => void;
