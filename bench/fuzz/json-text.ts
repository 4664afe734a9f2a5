/**
 * JSON trees with verbatim splices, and edits of them at a path. JSON.stringify cannot write what a
 * hostile client sends: numbers beyond a double (1e309), -0, integers past 2^53 in all their digits,
 * duplicate keys, nesting 100 000 deep (a JS value that deep could not even be built and serialised
 * recursively). A `RawJson` is such text, spliced in where a value goes.
 */

/** JSON text written as is where a value goes. */
export class RawJson {
  constructor(
    readonly text: string,
    /** What it is, for the report ("deep array ×100000"), since the text may be megabytes. */
    readonly label: string,
  ) {}
}

export type JsonTree = null | boolean | number | string | RawJson | JsonTree[] | { [key: string]: JsonTree };
export type JsonPath = (string | number)[];

export function serialize(value: JsonTree): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`;
  if (value !== null && typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`;
  // JSON.stringify writes NaN and ±Infinity as null; a fuzzer that wants them sends RawJson instead.
  return JSON.stringify(value);
}

/** The tree as a short text for reports: splices by their label, long strings cut. */
export function describe(value: JsonTree, budget = 300): string {
  const text = serialize(shorten(value));
  return text.length > budget ? `${text.slice(0, budget)}…(${text.length} chars)` : text;
}

function shorten(value: JsonTree): JsonTree {
  if (value instanceof RawJson) return value.text.length <= 40 ? value : new RawJson(`<${value.label}>`, value.label);
  if (typeof value === "string") return value.length <= 60 ? value : `${value.slice(0, 20)}…<${value.length} chars>`;
  if (Array.isArray(value)) return value.map(shorten);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  return value;
}

/** Every path in the tree (root first, depth-first), not into splices. */
export function pathsOf(value: JsonTree, prefix: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...pathsOf(v, [...prefix, i])));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, k]));
  return paths;
}

export function isObject(value: JsonTree | undefined): value is { [key: string]: JsonTree } {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof RawJson);
}

export function getAt(tree: JsonTree, path: JsonPath): JsonTree | undefined {
  let node: JsonTree | undefined = tree;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === "number") node = node[key];
    else if (isObject(node) && typeof key === "string") node = Object.hasOwn(node, key) ? node[key] : undefined;
    else return undefined;
  }
  return node;
}

/** A copy of the tree with the value at `path` replaced (`undefined`: removed). The root cannot be removed. */
export function setAt(tree: JsonTree, path: JsonPath, value: JsonTree | undefined): JsonTree {
  if (path.length === 0) return value === undefined ? {} : value;
  const [key, ...rest] = path;
  if (Array.isArray(tree) && typeof key === "number") {
    const copy = [...tree];
    if (rest.length === 0 && value === undefined) copy.splice(key, 1);
    else copy[key] = setAt(copy[key], rest, value);
    return copy;
  }
  if (isObject(tree) && typeof key === "string") {
    const copy = { ...tree };
    if (rest.length === 0 && value === undefined) delete copy[key];
    else copy[key] = setAt(copy[key], rest, value);
    return copy;
  }
  return tree;
}

/** An edit of a valid body: what hostile clients send instead of it. */
export type Mutation =
  /** Drop the field or element (`at` indexes pathsOf, modulo their count). */
  | { op: "remove"; at: number }
  /** Put another value there: a wrong type, a hostile number or string, deep nesting. */
  | { op: "replace"; at: number; value: JsonTree }
  /** Add a key the schema does not know to an object (`at` indexes the object paths). */
  | { op: "add-key"; at: number; key: string; value: JsonTree }
  /** Repeat an object's first key with another value: parsers keep the last one. */
  | { op: "duplicate-key"; at: number; value: JsonTree };

export function mutate(tree: JsonTree, mutation: Mutation): { tree: JsonTree; where: string } {
  const all = pathsOf(tree);
  if (mutation.op === "remove" || mutation.op === "replace") {
    const path = all[mutation.at % all.length];
    return { tree: setAt(tree, path, mutation.op === "remove" ? undefined : mutation.value), where: formatPath(path) };
  }
  const objects = all.filter((p) => isObject(getAt(tree, p)));
  if (objects.length === 0) return { tree, where: "(no object)" };
  const path = objects[mutation.at % objects.length];
  const target = getAt(tree, path) as { [key: string]: JsonTree };
  if (mutation.op === "add-key") return { tree: setAt(tree, path, { ...target, [mutation.key]: mutation.value }), where: `${formatPath(path)}.${mutation.key}` };
  const [first] = Object.keys(target);
  if (first === undefined) return { tree, where: `${formatPath(path)} (empty)` };
  const text = serialize(target);
  const repeated = new RawJson(`${text.slice(0, -1)},${JSON.stringify(first)}:${serialize(mutation.value)}}`, `object with "${first}" twice`);
  return { tree: setAt(tree, path, repeated), where: `${formatPath(path)}.${first} (twice)` };
}

export function formatPath(path: JsonPath): string {
  return path.length === 0 ? "(body)" : path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}
