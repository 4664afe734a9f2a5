/** The tasks a run can train on: their config schemas (the data itself is built by src/engine/tasks/). */
import { positiveInt, probability, type IssueSink } from "./fields.js";
import * as z from "./zod.js";

/** Digits in the MNIST asset (the `mnist` package's 10,000); a task's train and test sets are drawn from them. */
export const MNIST_DIGITS = 10_000;

export const MODULAR_OPS = ["add", "sub", "mul", "div", "x2+y2", "x2+xy+y2", "x3+xy"] as const;
export type ModularOp = (typeof MODULAR_OPS)[number];

const modularTask = z.strictObject({
  kind: z.literal("modular"),
  /** Modulus; `div` needs a prime. */
  p: z.number().check(z.int(), z.gte(2), z.lte(257)),
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

export const taskSchema = z.discriminatedUnion("kind", [modularTask, mnistTask]);
export type TaskConfig = z.output<typeof taskSchema>;

/** Rules within a task that one field's schema cannot state. */
export function checkTask(task: TaskConfig, issue: IssueSink): void {
  if (task.kind === "modular" && task.op === "div" && !isPrime(task.p)) issue(["task", "p"], `op "div" needs a prime modulus, got ${task.p}`);
  if (task.kind === "mnist" && task.trainSize + task.testSize > MNIST_DIGITS) {
    issue(["task", "trainSize"], `trainSize + testSize must not exceed the ${MNIST_DIGITS} MNIST digits, got ${task.trainSize} + ${task.testSize}`);
  }
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
