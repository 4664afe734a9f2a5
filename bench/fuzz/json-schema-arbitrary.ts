/**
 * fast-check arbitraries of the values a JSON Schema accepts, for the schemas the API's OpenAPI
 * document carries (zod 4's toJSONSchema output: type, const, enum, oneOf/anyOf, properties /
 * required / additionalProperties, propertyNames, min/max and their exclusive forms, minLength /
 * maxLength / pattern, minItems / maxItems / items, $ref to #/components/schemas/*). A value drawn
 * from one conforms structurally; it is the server's job to tell whether it also makes sense.
 * Keywords it does not know are ignored (the value may then fail them: still a fair request).
 */
import fc from "fast-check";

export type JsonSchema = { [keyword: string]: unknown };

/** Arrays and records stay small unless the schema demands more: values are requests, not load. */
const MAX_ITEMS = 4;
/** Strings stay short, except that a string with a maxLength is sometimes exactly that long (the boundary). */
const SHORT_STRING = 24;
/** $refs followed before giving up with `null` (the documents here have no recursive schemas). */
const MAX_DEPTH = 12;

export class SchemaArbitraries {
  private readonly cache = new Map<JsonSchema, fc.Arbitrary<unknown>>();

  constructor(private readonly components: Record<string, JsonSchema>) {}

  /** The component `#/components/schemas/<name>`. */
  component(name: string): fc.Arbitrary<unknown> {
    const schema = this.components[name];
    if (!schema) throw new Error(`the OpenAPI document has no component schema "${name}"`);
    return this.of(schema);
  }

  of(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const cached = this.cache.get(schema);
    if (cached) return cached;
    const arbitrary = this.build(schema, depth);
    this.cache.set(schema, arbitrary);
    return arbitrary;
  }

  private build(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    if (depth > MAX_DEPTH) return fc.constant(null);
    if (typeof schema.$ref === "string") return this.of(this.resolve(schema.$ref), depth + 1);
    if ("const" in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const alternatives = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
    if (alternatives) return fc.oneof(...alternatives.map((s) => this.of(s, depth + 1)));
    const type = schema.type;
    if (Array.isArray(type)) return fc.oneof(...type.map((t) => this.ofType(String(t), schema, depth)));
    if (typeof type === "string") return this.ofType(type, schema, depth);
    return fc.jsonValue({ maxDepth: 2 });
  }

  private resolve(ref: string): JsonSchema {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const schema = name === undefined ? undefined : this.components[name];
    if (!schema) throw new Error(`cannot resolve $ref ${ref}`);
    return schema;
  }

  private ofType(type: string, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
        return integerIn(schema);
      case "number":
        return numberIn(schema);
      case "string":
        return stringIn(schema);
      case "array":
        return this.arrayOf(schema, depth);
      case "object":
        return this.objectOf(schema, depth);
      default:
        throw new Error(`unknown JSON Schema type "${type}"`);
    }
  }

  private arrayOf(schema: JsonSchema, depth: number): fc.Arbitrary<unknown[]> {
    const minLength = num(schema.minItems) ?? 0;
    const maxLength = Math.max(minLength, Math.min(num(schema.maxItems) ?? MAX_ITEMS, MAX_ITEMS));
    const items = isSchema(schema.items) ? this.of(schema.items, depth + 1) : fc.jsonValue({ maxDepth: 1 });
    return fc.array(items, { minLength, maxLength });
  }

  private objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema.required ?? []) as string[]);
    const model = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, this.of(s, depth + 1)]));
    const declared = fc.record(model, { requiredKeys: Object.keys(properties).filter((key) => required.has(key)) });
    const extra = schema.additionalProperties;
    if (extra === false || extra === undefined || Object.keys(properties).length > 0) return declared as fc.Arbitrary<Record<string, unknown>>;
    // A record type (`{ propertyNames, additionalProperties }`): free keys.
    const keys = isSchema(schema.propertyNames) ? (this.of(schema.propertyNames, depth + 1) as fc.Arbitrary<string>) : fc.string({ maxLength: SHORT_STRING });
    const values = isSchema(extra) ? this.of(extra, depth + 1) : fc.jsonValue({ maxDepth: 2 });
    return fc.dictionary(keys, values, { maxKeys: MAX_ITEMS, noNullPrototype: true });
  }
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** Integers within the bounds, drawn as fast-check likes (small and boundary values often); safe integers only. */
function integerIn(schema: JsonSchema): fc.Arbitrary<number> {
  const exclusiveMin = num(schema.exclusiveMinimum);
  const exclusiveMax = num(schema.exclusiveMaximum);
  const min = Math.max(Number.MIN_SAFE_INTEGER, exclusiveMin !== undefined ? Math.floor(exclusiveMin) + 1 : Math.ceil(num(schema.minimum) ?? Number.MIN_SAFE_INTEGER));
  const max = Math.min(Number.MAX_SAFE_INTEGER, exclusiveMax !== undefined ? Math.ceil(exclusiveMax) - 1 : Math.floor(num(schema.maximum) ?? Number.MAX_SAFE_INTEGER));
  return fc.integer({ min, max });
}

function numberIn(schema: JsonSchema): fc.Arbitrary<number> {
  const exclusiveMin = num(schema.exclusiveMinimum);
  const exclusiveMax = num(schema.exclusiveMaximum);
  return fc.double({
    min: exclusiveMin ?? num(schema.minimum) ?? -Number.MAX_VALUE,
    max: exclusiveMax ?? num(schema.maximum) ?? Number.MAX_VALUE,
    minExcluded: exclusiveMin !== undefined,
    maxExcluded: exclusiveMax !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function stringIn(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = num(schema.minLength) ?? 0;
  const maxLength = num(schema.maxLength);
  if (typeof schema.pattern === "string") {
    const pattern = new RegExp(schema.pattern);
    return fc.stringMatching(pattern).filter((s) => s.length >= minLength && (maxLength === undefined || s.length <= maxLength));
  }
  // Any code point but lone surrogates (a conforming string is well-formed Unicode); lengths in UTF-16 units, as zod counts.
  const text = (max: number) => fc.string({ unit: "grapheme", minLength, maxLength: max }).filter((s) => s.length >= minLength && s.length <= max);
  const short = text(Math.max(minLength, Math.min(maxLength ?? SHORT_STRING, SHORT_STRING)));
  if (maxLength === undefined || maxLength <= SHORT_STRING) return short;
  return fc.oneof({ arbitrary: short, weight: 4 }, { arbitrary: fc.constantFrom("x", "é", "🙂").map((c) => c.repeat(Math.floor(maxLength / c.length))), weight: 1 });
}
