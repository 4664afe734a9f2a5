// Mutation testing: `npm run mutate` (not part of `npm test`). One folder or file only:
//   npm run mutate -- --mutate 'src/ops/**/*.ts'
//   npm run mutate -- --mutate worker/src/validation.ts
// A full re-run ignoring the saved results: npm run mutate -- --force
//
// Incremental: results are kept in reports/stryker-incremental.json, which is committed (the rest of
// reports/ is not). A run re-tests only the mutants whose code or covering tests changed since that
// file was written, so a fresh clone or another engineer starts from the last committed results
// instead of a full run. A run limited with --mutate carries the other files' results over unchanged
// (Stryker keeps the saved mutants of files outside the run's scope), so a partial run never loses
// them; its score table therefore lists every file in the saved report. When two branches both
// changed the file, take either side and re-run: anything stale is simply tested again.
//
// Scores are reported (clear text, reports/mutation/mutation.html and .json), not enforced.
//
// Limits worth knowing:
// - A run saves its results (the incremental file) only when it completes: an interrupted run
//   keeps nothing. A cold run of the whole scope is long (about 800 mutants; ~1 h or more on the two
//   shared cores), so run it in pieces, each of which saves: e.g. --mutate 'src/ops/pool/**/*.ts',
//   then 'src/ops/*.ts', then the engine files. Two runs at once in one working tree fight for the
//   cores and the last one to finish overwrites the other's saved results.
// - Mutants are switched on in the test's own thread only: code that runs only inside the thread
//   pool's worker threads (src/ops/pool/worker-loop.ts, the worker side of control.ts) runs the
//   original code there, so expect such mutants to show as "no coverage" or to survive although a
//   real bug there would fail the pool tests.
// - A mutant that makes a wait in the pool's control block never end is detected as a timeout.
// - Static mutants (code run once at import: module-level tables, schemas) are ~25 % of the mutants
//   and ~50 % of the time, as each needs every related test file re-run. `--ignoreStatic` skips them
//   (reported as Ignored) for a quicker look.
//
// Incremental mode does not re-run a survivor whose covering tests were only edited (same name), nor a
// surviving *static* mutant (one in code run at import time, e.g. a module-level constant or schema:
// Stryker records no per-test coverage for those, stryker-js issues #4372 and #6119) even when a new
// test would kill it. After writing tests against such survivors, re-test that file from scratch:
//   npm run mutate -- --mutate worker/src/validation.ts --force
//
// Equivalent mutants left alive on purpose (no test can tell them from the original code):
// worker/src/validation.ts (8 of 130 mutants; the file scores 93.85 %)
// - decide(), the sort comparator's id tie-break `a.id < b.id ? -1 : a.id > b.id ? 1 : 0`:
//   `a.id <= b.id ? -1`, `a.id >= b.id ? 1`, `true ? 1 : 0` differ from it only for two results with
//   the same id, which a unit never has (ids are primary keys). `false ? 1 : 0` and `a.id <= b.id ? 1 : 0`
//   answer 0 instead of 1 when a's id is the greater: V8's Array.prototype.sort (Node and workerd) only
//   ever asks whether the comparator is negative, so the order is the same (checked on random and
//   reversed arrays of up to 200 results).
// - decide(), choosing the winner among groups at quorum: `<` → `<=` on the positions of two groups'
//   quorum-th results. They are different results, so their positions are never equal.
// - decide(): `status === "validated" ? ordered.find(...) : undefined` → `true ? ... : ...`: the
//   reference is read only when the unit is validated.
// - DETERMINISTIC_SQL: `.join(", ")` → `.join("")` while "wasm-simd" is the only deterministic backend.
// src/engine/checkpoint.ts, src/engine/loss.ts: none (100 %).
// src/engine/optimizer.ts: `if (end === start) continue` → `if (false)`: a group with no parameters then gets a
//   zero-length kernel call, which changes nothing.
// src/ops/gemm.ts: `if (!executor)` → `if (true)` in gemm(): the serial executor is cached only to save ~3 µs a call.
// src/ops/ops.ts (99.4 %): tanh's `backwardReads: "y"` → `""`: the backward passes y for anything but "x", so "" reads
//   y too (the type forbids ""; only the runtime table is mutated).
// src/ops/pool/control.ts: failureText's `i < views.message.length` → `i <= …` or `true`: reportFailure always writes a
//   terminator within the area, so the loop stops there first.
// src/ops/pool/: the worker side (worker-loop.ts, and control.ts's reportFailure/runChunks as workers run them)
//   executes in worker threads, where Stryker does not switch mutants on: its mutants show as "no coverage". The
//   conformance suite and tests/ops/pool/ exercise that code; a mutation of it must be tried by hand.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts", related: true },
  mutate: [
    "src/ops/**/*.ts", // op plans, gemm plan, thread pool control block
    "src/engine/optimizer.ts",
    "src/engine/checkpoint.ts",
    "src/engine/loss.ts", // loss scaling
    "src/engine/run-plan.ts",
    "worker/src/validation.ts", // the quorum decision
  ],
  coverageAnalysis: "perTest",
  concurrency: 2,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  clearTextReporter: { reportTests: false, logTests: false },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 80, low: 60, break: null },
  // The machine is shared and the pool tests start worker threads: allow slack before calling a mutant a timeout.
  timeoutMS: 10_000,
  // Not needed in the sandbox (build/ is: the kernels and MNIST).
  ignorePatterns: ["dist", "web/dist", ".wrangler", "scratch", "build/*.wat", "*.log"],
  tempDirName: ".stryker-tmp",
  // Nothing type-checks the sandbox (vitest strips types), and the preprocessor cannot parse the
  // AssemblyScript decorators in assembly/ (it warns about every such file).
  disableTypeChecks: false,
};
