/**
 * The run config: one versioned zod schema that the engine, the API, the page and the CLI all use.
 * `parseRunConfig` fills defaults and throws a RunConfigError naming each bad field.
 */
import { z } from "zod";
import { ACTIVATIONS, LOSSES, type Activation } from "../ops/ops.js";

export const RUN_CONFIG_VERSION = 1;
/** Digits in the MNIST asset (the `mnist` package's 10,000); a task's train and test sets are drawn from them. */
export const MNIST_DIGITS = 10_000;
/** Evaluation interval when none is given (or the run's length, if shorter). */
export const DEFAULT_EVAL_INTERVAL = 100;

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();
const probability = z.number().gt(0).lt(1);

export const MODULAR_OPS = ["add", "sub", "mul", "div", "x2+y2", "x2+xy+y2", "x3+xy"] as const;

const modularTask = z.strictObject({
  kind: z.literal("modular"),
  /** Modulus; `div` needs a prime. */
  p: z.number().int().min(2).max(257),
  op: z.enum(MODULAR_OPS),
  /** Fraction of all p² (p·(p−1) for div) pairs used for training; the rest is the test set. */
  trainFraction: probability,
});

const mnistTask = z.strictObject({
  kind: z.literal("mnist"),
  /** Training digits; trainSize + testSize ≤ MNIST_DIGITS, drawn without overlap. */
  trainSize: positiveInt,
  testSize: positiveInt,
});

/** Standard deviation of a layer's initial weights; omitted: fan-in normal, N(0, 1/fan_in). */
const initStd = z.number().positive().optional();

const mlpModel = z.strictObject({
  kind: z.literal("mlp"),
  /** Modular tasks: learned token embeddings (operands concatenated) or one-hot operands; MNIST: pixels. */
  input: z.enum(["embedding", "onehot", "pixels"]),
  /** Width of each operand's embedding (input "embedding" only). */
  embeddingDim: positiveInt.optional(),
  /** Widths of the hidden layers, in order. */
  hidden: z.array(positiveInt).min(1),
  activation: z.enum(ACTIVATIONS).default("relu"),
  bias: z.boolean().default(true),
  init: z
    .strictObject({
      embeddingStd: initStd,
      /** One entry per linear layer (hidden layers then the read-out); null keeps the default. */
      layerStd: z.array(z.number().positive().nullable()).optional(),
    })
    .default({}),
});

/** Weight tensors of the transformer, by name: l<layer>.w<q|k|v|o|In|Out> per block. */
const TRANSFORMER_TENSOR = /^(tokenEmbedding|positionEmbedding|unembed|l(\d+)\.w(q|k|v|o|In|Out))$/;

const transformerModel = z.strictObject({
  kind: z.literal("transformer"),
  layers: positiveInt.default(1),
  dModel: positiveInt,
  heads: positiveInt,
  dMlp: positiveInt,
  layerNorm: z.boolean().default(false),
  bias: z.boolean().default(true),
  init: z
    .strictObject({
      /** Token and position embeddings (default 1). */
      embeddingStd: initStd,
      /** Every block's q, k, v and o (default fan-in). */
      attentionStd: initStd,
      /** Every block's wIn and wOut (default fan-in). */
      mlpStd: initStd,
      unembedStd: initStd,
      /** One tensor's std by name (tokenEmbedding, positionEmbedding, l0.wq … l0.wOut, unembed): overrides the above. */
      tensorStd: z.record(z.string(), z.number().positive()).optional(),
    })
    .default({}),
});

/** Overrides for the embedding parameters (token and position embeddings); the rest use the optimizer's values. */
const embeddingGroup = z.strictObject({ lr: z.number().positive().optional(), weightDecay: nonNegative.optional() }).default({});

const adamw = z.strictObject({
  kind: z.literal("adamw"),
  lr: z.number().positive(),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.98),
  eps: z.number().positive().default(1e-8),
  weightDecay: nonNegative.default(0),
  /** Linear warm-up of the learning rate from lr/warmupSteps to lr over this many steps. */
  warmupSteps: z.number().int().nonnegative().default(0),
  embedding: embeddingGroup,
});

const sgd = z.strictObject({
  kind: z.literal("sgd"),
  lr: z.number().positive(),
  momentum: z.number().min(0).lt(1).default(0),
  weightDecay: nonNegative.default(0),
  warmupSteps: z.number().int().nonnegative().default(0),
  embedding: embeddingGroup,
});

export const runConfigSchema = z
  .strictObject({
    version: z.literal(RUN_CONFIG_VERSION),
    task: z.discriminatedUnion("kind", [modularTask, mnistTask]),
    model: z.discriminatedUnion("kind", [mlpModel, transformerModel]),
    /** Global scale α on every initial weight (Omnigrok's initialization scale). */
    initScale: z.number().positive().default(1),
    loss: z.enum(LOSSES).default("cross-entropy"),
    optimizer: z.discriminatedUnion("kind", [adamw, sgd]),
    /** After every step, rescale all parameters to this total L2 norm (Omnigrok's constrained runs). */
    constrainNorm: z.number().positive().optional(),
    /** "full" or a mini-batch size (sampled without replacement each epoch, from the seeded stream). */
    batchSize: z.union([z.literal("full"), positiveInt], { error: `expected "full" or a positive integer` }).default("full"),
    steps: positiveInt,
    /** Evaluate every this many steps (and at step 0 and the end); default min(100, steps). */
    evalInterval: positiveInt.optional(),
    /** Stop at the first evaluation whose test accuracy reaches this. */
    earlyStopTestAccuracy: z.number().gt(0).max(1).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
  })
  .superRefine((c, ctx) => {
    const { task, model } = c;
    if (task.kind === "modular" && task.op === "div" && !isPrime(task.p)) {
      ctx.addIssue({ code: "custom", path: ["task", "p"], message: `op "div" needs a prime modulus, got ${task.p}` });
    }
    if (task.kind === "mnist" && task.trainSize + task.testSize > MNIST_DIGITS) {
      ctx.addIssue({ code: "custom", path: ["task", "trainSize"], message: `trainSize + testSize must not exceed the ${MNIST_DIGITS} MNIST digits, got ${task.trainSize} + ${task.testSize}` });
    }
    const hasEmbeddings = model.kind === "transformer" || model.input === "embedding";
    const { embedding } = c.optimizer;
    if (!hasEmbeddings && (embedding.lr !== undefined || embedding.weightDecay !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["optimizer", "embedding"], message: `this model has no embedding parameters (MLP input "${model.kind === "mlp" ? model.input : ""}"); drop the override` });
    }
    if (model.kind === "mlp") {
      if (task.kind === "mnist" && model.input !== "pixels") ctx.addIssue({ code: "custom", path: ["model", "input"], message: `the mnist task takes input "pixels", got "${model.input}"` });
      if (task.kind === "modular" && model.input === "pixels") ctx.addIssue({ code: "custom", path: ["model", "input"], message: `a modular task takes input "embedding" or "onehot", got "pixels"` });
      if (model.input === "embedding" && model.embeddingDim === undefined) ctx.addIssue({ code: "custom", path: ["model", "embeddingDim"], message: `required with input "embedding"` });
      if (model.input !== "embedding" && model.embeddingDim !== undefined) ctx.addIssue({ code: "custom", path: ["model", "embeddingDim"], message: `only meaningful with input "embedding"` });
      const layers = model.hidden.length + 1;
      if (model.init.layerStd && model.init.layerStd.length !== layers) {
        ctx.addIssue({ code: "custom", path: ["model", "init", "layerStd"], message: `expected ${layers} entries (one per linear layer), got ${model.init.layerStd.length}` });
      }
    } else {
      if (task.kind !== "modular") ctx.addIssue({ code: "custom", path: ["model", "kind"], message: `the transformer takes a modular task` });
      if (model.dModel % model.heads !== 0) ctx.addIssue({ code: "custom", path: ["model", "heads"], message: `must divide dModel (${model.dModel}), got ${model.heads}` });
      for (const name of Object.keys(model.init.tensorStd ?? {})) {
        const match = TRANSFORMER_TENSOR.exec(name);
        if (!match || (match[2] !== undefined && Number(match[2]) >= model.layers)) {
          ctx.addIssue({ code: "custom", path: ["model", "init", "tensorStd", name], message: `no weight tensor "${name}" in a ${model.layers}-layer transformer (tokenEmbedding, positionEmbedding, l0.wq … l${model.layers - 1}.wOut, unembed)` });
        }
      }
    }
    if (c.evalInterval !== undefined && c.evalInterval > c.steps) ctx.addIssue({ code: "custom", path: ["evalInterval"], message: `must not exceed steps (${c.steps}), got ${c.evalInterval}` });
  })
  .transform((c) => ({ ...c, evalInterval: c.evalInterval ?? Math.min(DEFAULT_EVAL_INTERVAL, c.steps) }));

/** A run config as written (defaults may be omitted). */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** A validated run config with every default filled in. */
export type RunConfig = z.output<typeof runConfigSchema>;
export type TaskConfig = RunConfig["task"];
export type ModelConfig = RunConfig["model"];
export type MlpConfig = Extract<ModelConfig, { kind: "mlp" }>;
export type TransformerConfig = Extract<ModelConfig, { kind: "transformer" }>;
export type OptimizerConfig = RunConfig["optimizer"];
export type ModularOp = (typeof MODULAR_OPS)[number];
export type { Activation };

export class RunConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid run config:\n${issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")}`);
    this.name = "RunConfigError";
  }
}

export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new RunConfigError(result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
}

/** `model.hidden[0]` style, as a person would write the field. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
