/**
 * The run config: one versioned zod schema (zod/mini, see zod.ts) that the engine, the API, the page
 * and the CLI all use. `parseRunConfig` fills defaults and throws a RunConfigError naming each bad field.
 */
import { MODEL_SCHEMAS, modelRules } from "../engine/models/schemas.js";
import { LOSSES } from "../ops/kinds.js";
import { nonNegative, positiveInt, type IssueSink } from "./fields.js";
import { checkTask, taskSchema } from "./tasks.js";
import * as z from "./zod.js";

export const RUN_CONFIG_VERSION = 1;
/** Evaluation interval when none is given (or the run's length, if shorter). */
export const DEFAULT_EVAL_INTERVAL = 100;

/** Overrides for the embedding parameters (token and position embeddings); the rest use the optimizer's values. */
const embeddingGroup = z._default(z.strictObject({ lr: z.optional(z.number().check(z.positive())), weightDecay: z.optional(nonNegative) }), {});

const lr = z.number().check(z.positive());
/** A moment's decay rate: 0 ≤ β < 1. */
const decayRate = z.number().check(z.gte(0), z.lt(1));
const warmupSteps = z._default(z.number().check(z.int(), z.nonnegative()), 0);

const adamw = z.strictObject({
  kind: z.literal("adamw"),
  lr,
  beta1: z._default(decayRate, 0.9),
  beta2: z._default(decayRate, 0.98),
  eps: z._default(z.number().check(z.positive()), 1e-8),
  weightDecay: z._default(nonNegative, 0),
  /** Linear warm-up of the learning rate from lr/warmupSteps to lr over this many steps. */
  warmupSteps,
  embedding: embeddingGroup,
});

const sgd = z.strictObject({
  kind: z.literal("sgd"),
  lr,
  momentum: z._default(decayRate, 0),
  weightDecay: z._default(nonNegative, 0),
  warmupSteps,
  embedding: embeddingGroup,
});

const runConfigFields = z
  .strictObject({
    version: z.literal(RUN_CONFIG_VERSION),
    task: taskSchema,
    model: z.discriminatedUnion("kind", MODEL_SCHEMAS),
    /** Global scale α on every initial weight (Omnigrok's initialization scale). */
    initScale: z._default(z.number().check(z.positive()), 1),
    loss: z._default(z.enum(LOSSES), "cross-entropy"),
    optimizer: z.discriminatedUnion("kind", [adamw, sgd]),
    /** After every step, rescale all parameters to this total L2 norm (Omnigrok's constrained runs). */
    constrainNorm: z.optional(z.number().check(z.positive())),
    /** "full" or a mini-batch size (sampled without replacement each epoch, from the seeded stream). */
    batchSize: z._default(z.union([z.literal("full"), positiveInt], { error: `expected "full" or a positive integer` }), "full"),
    steps: positiveInt,
    /** Evaluate every this many steps (and at step 0 and the end); default min(100, steps). */
    evalInterval: z.optional(positiveInt),
    /** Stop at the first evaluation whose test accuracy reaches this. */
    earlyStopTestAccuracy: z.optional(z.number().check(z.gt(0), z.lte(1))),
    seed: z.number().check(z.int(), z.gte(0), z.lte(2 ** 32 - 1)),
  })
  .check(
    z.superRefine((c, ctx) => {
      const issue: IssueSink = (path, message) => ctx.addIssue({ code: "custom", path, message });
      checkTask(c.task, issue);
      const rules = modelRules(c.model);
      rules.check(c.model, c.task, issue);
      const { embedding } = c.optimizer;
      if (!rules.hasEmbeddings(c.model) && (embedding.lr !== undefined || embedding.weightDecay !== undefined)) {
        issue(["optimizer", "embedding"], `this model has no embedding parameters (${rules.describe(c.model)}); drop the override`);
      }
      if (c.evalInterval !== undefined && c.evalInterval > c.steps) issue(["evalInterval"], `must not exceed steps (${c.steps}), got ${c.evalInterval}`);
    }),
  );

export const runConfigSchema = z.pipe(
  runConfigFields,
  z.transform((c: z.output<typeof runConfigFields>) => ({ ...c, evalInterval: c.evalInterval ?? Math.min(DEFAULT_EVAL_INTERVAL, c.steps) })),
);

/** A run config as written (defaults may be omitted). */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** A validated run config with every default filled in. */
export type RunConfig = z.output<typeof runConfigSchema>;
export type OptimizerConfig = RunConfig["optimizer"];
export type { TaskConfig, ModularOp } from "./tasks.js";
export { MNIST_DIGITS, MODULAR_OPS } from "./tasks.js";
export type { ModelConfig } from "../engine/models/schemas.js";
export type { MlpConfig } from "../engine/models/mlp/schema.js";
export type { TransformerConfig } from "../engine/models/transformer/schema.js";
export type { Activation, Loss } from "../ops/kinds.js";

export class RunConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid run config:\n${issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")}`);
    this.name = "RunConfigError";
  }
}

/** Configs parseRunConfig returned: deeply frozen, so still valid; passing one again costs nothing. */
const validated = new WeakSet<object>();

/**
 * Validates a run config and fills its defaults; throws a RunConfigError naming each bad field.
 * Its result is frozen and remembered, so each trust boundary can call this and a config already
 * validated upstream is passed through, not parsed again.
 */
export function parseRunConfig(input: unknown): RunConfig {
  if (typeof input === "object" && input !== null && validated.has(input)) return input as RunConfig;
  const result = runConfigSchema.safeParse(input);
  if (!result.success) throw new RunConfigError(result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  const config = deepFreeze(result.data);
  validated.add(config);
  return config;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** `model.hidden[0]` style, as a person would write the field. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}
