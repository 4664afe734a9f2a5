/** Parsers of option values shared by the commands: a bad value is reported by commander with the option's name (exit 2). */
import { InvalidArgumentError } from "commander";
import { parseOverride, type Override } from "./overrides.js";

/** Most threads a pool may have (train, volunteer, bench). */
export const MAX_THREADS = 64;

export function integerIn(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    return n;
  };
}

/** Seconds from 0.1 to an hour (sweep status --interval). */
export function seconds(text: string): number {
  const n = Number(text);
  if (!(n >= 0.1 && n <= 3600)) throw new InvalidArgumentError("expected seconds from 0.1 to 3600.");
  return n;
}

/** A repeatable --set path=value. */
export function collectOverride(text: string, previous: Override[] | undefined): Override[] {
  try {
    return [...(previous ?? []), parseOverride(text)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
