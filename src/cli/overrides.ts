/**
 * `--set path=value`: change one field of a run config or sweep spec without editing JSON, before
 * it is validated (so a bad value gets the schema's own error naming the field). The path is dotted,
 * with array indices as `[0]` or `.0` (`model.hidden[0]=256`); the value is JSON if it parses as
 * JSON (`5`, `true`, `[0,1]`, `"0.5"`), else the text as a string (`relu`).
 */
import { UsageError } from "./errors.js";

export interface Override {
  /** As given, for messages. */
  text: string;
  path: (string | number)[];
  value: unknown;
}

/** Keys that would reach Object.prototype instead of a field. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const SEGMENT = /^([A-Za-z_$][\w$]*)?((?:\[\d+\])*)$/;

export function parseOverride(text: string): Override {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set ${text}: expected path=value, e.g. optimizer.weightDecay=0.3`);
  const pathText = text.slice(0, eq);
  const path: (string | number)[] = [];
  for (const part of pathText.split(".")) {
    if (/^\d+$/.test(part)) {
      path.push(Number(part));
      continue;
    }
    const match = SEGMENT.exec(part);
    if (!match || (!match[1] && !match[2])) throw new UsageError(`--set ${text}: "${pathText}" is not a field path (expected names and indices like model.hidden[0])`);
    if (match[1] && FORBIDDEN_KEYS.has(match[1])) throw new UsageError(`--set ${text}: "${match[1]}" is not a config field`);
    if (match[1]) path.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  const valueText = text.slice(eq + 1);
  let value: unknown = valueText;
  try {
    value = JSON.parse(valueText);
  } catch {
    // not JSON: the text itself, as a string
  }
  return { text, path, value };
}

/** A copy of `target` with every override applied in order; missing objects on a path are created. */
export function applyOverrides<T>(target: T, overrides: readonly Override[]): T {
  const copy = structuredClone(target) as unknown;
  for (const { text, path, value } of overrides) {
    let node = copy as Record<string | number, unknown>;
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      const where = formatPath(path.slice(0, i)) || "the config";
      if (typeof key === "number" && !Array.isArray(node)) throw new UsageError(`--set ${text}: ${where} is not a list, so [${key}] does not exist`);
      if (typeof key === "string" && Array.isArray(node)) throw new UsageError(`--set ${text}: ${where} is a list; index it with [n], not .${key}`);
      if (i === path.length - 1) {
        if (typeof key === "number" && key > (node as unknown as unknown[]).length) throw new UsageError(`--set ${text}: ${where} has ${(node as unknown as unknown[]).length} entries; [${key}] would leave a gap`);
        node[key] = value;
        break;
      }
      const next = node[key];
      if (next === undefined) node[key] = typeof path[i + 1] === "number" ? [] : {};
      else if (typeof next !== "object" || next === null) throw new UsageError(`--set ${text}: ${formatPath(path.slice(0, i + 1))} is ${JSON.stringify(next)}, not an object or a list`);
      node = node[key] as Record<string | number, unknown>;
    }
  }
  return copy as T;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
