/**
 * Every `Ops` host runs every conformance case (op-cases.ts) to the same bits:
 * - the serial host (simd build, this thread) within each case's error bounds of its float64 reference;
 * - every host (serial again, and Node pools of 1–4 threads over the simd-threads build) bitwise equal
 *   to the serial host, output by output;
 * - complete: every method of Ops has a case, every ranged kernel is reached by one, and every case
 *   makes the pool split each of its kernel calls (work ≥ PARALLEL_MIN_WORK over ≥ 4 aligned units)
 *   — so a new op or kernel without a case fails here.
 * The browser's hosts run the same cases in tests/browser/ops-conformance.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ops } from "../../../src/ops/ops.js";
import type { Executor } from "../../../src/ops/plan.js";
import { PARALLEL_MIN_WORK } from "../../../src/ops/pool/pool-executor.js";
import { RANGED_KERNELS, type KernelName } from "../../../src/wasm/kernels.js";
import { CASES, compareToReference, outputBytes, type OpCase, type Outputs } from "./op-cases.js";
import { HOSTS, SERIAL_HOST, type OpenHost } from "./hosts.js";

/**
 * Ranged kernels that no op calls, so no case can reach them, each with the reason. Every entry is
 * a kernel the pools never run; the test below fails if a case starts reaching one (drop it here).
 */
const NOT_CALLED_BY_ANY_OP: Partial<Record<KernelName, string>> = {
  f32_argmax_count_scalar: "the loss kernels count correct rows themselves and no op calls it; tests/assembly/f32-reduce tests it directly",
};

/** The pool splits a call over [0, extent) in units of `align`: a pool of this many threads must get a slice each. */
const MAX_POOL_THREADS = 4;

interface CallRecord {
  kind: "split" | "whole" | "zero" | "copy";
  kernel?: KernelName;
  work?: number;
  /** Aligned units of the extent a pool hands out. */
  units?: number;
}

interface SerialRun {
  /** Absent if the case threw (its error is rethrown by the tests that need outputs). */
  outputs?: Outputs;
  error?: unknown;
  /** Ops methods the case called. */
  methods: string[];
  calls: CallRecord[];
}

function recordingExecutor(inner: Executor, calls: CallRecord[]): Executor {
  return {
    run(call) {
      calls.push({ kind: "split", kernel: call.kernel, work: call.work, units: Math.ceil(call.extent / call.align) });
      return inner.run(call);
    },
    runWhole(call) {
      calls.push({ kind: "whole", kernel: call.kernel });
      return inner.runWhole(call);
    },
    zero(ptr, n) {
      calls.push({ kind: "zero" });
      inner.zero(ptr, n);
    },
    copy(dst, src, n) {
      calls.push({ kind: "copy" });
      inner.copy(dst, src, n);
    },
  };
}

/** Ops over `executor` that logs which of its methods are called. */
function recordingOps(executor: Executor, methods: string[]): Ops {
  const ops = new Ops(executor);
  return new Proxy(ops, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function" || property === "constructor") return value;
      return (...args: unknown[]) => {
        methods.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

let serial: OpenHost;
const serialRuns = new Map<string, SerialRun>();

/** The case on the serial host (recorded), once: every other test compares with it. */
function serialRun(c: OpCase): SerialRun {
  let run = serialRuns.get(c.name);
  if (!run) {
    const methods: string[] = [], calls: CallRecord[] = [];
    try {
      const { outputs } = c.run(serial.kernels, recordingOps(recordingExecutor(serial.ops.executor, calls), methods));
      run = { outputs, methods, calls };
    } catch (error) {
      // The plan is recorded up to the failure: the completeness tests still judge it.
      run = { error, methods, calls };
    }
    serialRuns.set(c.name, run);
  }
  return run;
}

/** The serial host's outputs of the case (throws its error if it failed there). */
function serialOutputs(c: OpCase): Outputs {
  const run = serialRun(c);
  if (!run.outputs) throw run.error;
  return run.outputs;
}

beforeAll(async () => {
  serial = await SERIAL_HOST.open();
});
afterAll(() => serial?.close());

/** Outputs whose bytes differ from `want`'s, with the first differing element. */
function bitwiseDifferences(got: Outputs, want: Outputs): string[] {
  const names = new Set([...Object.keys(got), ...Object.keys(want)]);
  const differences: string[] = [];
  for (const name of names) {
    const g = got[name], w = want[name];
    if (g === undefined || w === undefined) {
      differences.push(`${name}: ${g === undefined ? "missing" : "unexpected"}`);
      continue;
    }
    const gb = outputBytes(g), wb = outputBytes(w);
    if (gb.length !== wb.length) {
      differences.push(`${name}: ${gb.length} bytes, serial ${wb.length}`);
      continue;
    }
    const at = gb.findIndex((byte, i) => byte !== wb[i]);
    if (at < 0) continue;
    if (typeof g === "number" || typeof w === "number") differences.push(`${name}: ${String(g)}, serial ${String(w)}`);
    else {
      const i = Math.floor(at / g.BYTES_PER_ELEMENT);
      let count = 0;
      for (let j = 0; j < g.length; j++) if (!Object.is(g[j], w[j])) count++;
      differences.push(`${name}: ${count} of ${g.length} elements differ, first [${i}] = ${g[i]}, serial ${w[i]}`);
    }
  }
  return differences;
}

describe("the cases", () => {
  it("have unique names", () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it("cover every method of Ops", () => {
    const methods = Object.getOwnPropertyNames(Ops.prototype).filter((name) => name !== "constructor");
    expect(methods.filter((m) => !CASES.some((c) => c.op === m))).toEqual([]);
  });

  it("each call their op and no other", () => {
    const wrong = CASES.filter((c) => {
      const called = new Set(serialRun(c).methods);
      return called.size !== 1 || !called.has(c.op);
    }).map((c) => `${c.name}: called ${[...new Set(serialRun(c).methods)].join(", ") || "nothing"}, not just ${c.op}`);
    expect(wrong).toEqual([]);
  });

  it("reach every ranged kernel (but the ones no op calls)", () => {
    const reached = new Set(CASES.flatMap((c) => serialRun(c).calls.map((call) => call.kernel)));
    expect(RANGED_KERNELS.filter((k) => !reached.has(k) && !(k in NOT_CALLED_BY_ANY_OP))).toEqual([]);
    // The exemptions stay true: a kernel an op calls has its case, and leaves the list.
    expect(Object.keys(NOT_CALLED_BY_ANY_OP).filter((k) => reached.has(k as KernelName))).toEqual([]);
  });

  it(`make the pool split every kernel call they use (work ≥ PARALLEL_MIN_WORK = ${PARALLEL_MIN_WORK}, ≥ ${MAX_POOL_THREADS} units), or say they never split`, () => {
    const problems: string[] = [];
    for (const c of CASES) {
      const splits = serialRun(c).calls.filter((call) => call.kind === "split");
      if (c.neverSplits) {
        if (splits.length > 0) problems.push(`${c.name}: says it never splits, but makes split calls to ${[...new Set(splits.map((s) => s.kernel))].join(", ")}`);
        continue;
      }
      if (splits.length === 0) problems.push(`${c.name}: makes no split call (mark it neverSplits)`);
      for (const kernel of new Set(splits.map((s) => s.kernel))) {
        const big = splits.some((s) => s.kernel === kernel && s.work! >= PARALLEL_MIN_WORK && s.units! >= MAX_POOL_THREADS);
        if (!big) problems.push(`${c.name}: no call to ${kernel} with work ≥ ${PARALLEL_MIN_WORK} over ≥ ${MAX_POOL_THREADS} units (${c.parallel})`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the serial host against the float64 references", () => {
  it.each(CASES)("$name", (c) => {
    const outputs = serialOutputs(c);
    const { mismatches, missing } = compareToReference(outputs, c.reference(c.inputs()));
    expect(missing, "outputs without a reference, or references without an output").toEqual([]);
    expect(mismatches, `tolerance: ${c.tolerance}`).toEqual([]);
  });
});

describe.each(HOSTS)("$name", (host) => {
  let opened: OpenHost | undefined;
  beforeAll(async () => {
    opened = await host.open();
  }, 60_000);
  afterAll(() => opened?.close());

  it.each(CASES)("$name: bitwise the serial host's outputs", (c) => {
    const want = serialOutputs(c);
    const { outputs } = c.run(opened!.kernels, opened!.ops);
    expect(bitwiseDifferences(outputs, want)).toEqual([]);
  });
});
