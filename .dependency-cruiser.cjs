// One-way layers for grokedge, checked by `npm run check:layers` (dependency-cruiser).
//
//   1 src/wasm/                 loader, arena, kernel interface
//   2 src/ops/                  ops, gemm, plans; src/ops/pool/ = the thread pool that executes them
//   3 src/engine/ + src/config/ tasks, models, optimizer, training run, checkpoints, run plan; schemas
//   4 src/tfjs/                 optional TensorFlow.js backend
//   5 src/hosts/                Node and browser hosts (workers, pools, file access)
//   6 src/index.ts, src/node.ts, src/webgpu.ts, src/cli/
//   7 consumers: web/, worker/src/, bench/, scripts/
//
// A lower layer never imports a higher one. Every rule is a `forbidden` rule with severity
// "error", so one violation makes the command exit non-zero. Paths are relative to the
// repository root; type-only imports count (tsPreCompilationDeps).

/** Model folders' schema files: the only engine files src/config/ may import. */
const MODEL_SCHEMAS = ["^src/engine/models/[^/]+/schema\\.ts$", "^src/engine/models/schemas\\.ts$"];
/** The optional TensorFlow.js code: our backend and the npm packages. */
const TFJS = ["^src/tfjs/", "(^|/)node_modules/@tensorflow/"];
/** Every top-level folder of the project that is not src/. */
const OUTSIDE_SRC = "^(tests|bench|scripts|web|worker)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ---- layer 1: wasm -------------------------------------------------------------------
    {
      name: "wasm-imports-only-wasm",
      severity: "error",
      comment:
        "src/wasm/ (loader, arena, kernel interface) is the bottom layer: it may import nothing in " +
        "src/ outside src/wasm/, so every other layer can build on it without cycles.",
      from: { path: "^src/wasm/" },
      to: { path: "^src/", pathNot: "^src/wasm/" },
    },

    // ---- layer 2: ops --------------------------------------------------------------------
    {
      name: "ops-imports-only-wasm-and-ops",
      severity: "error",
      comment:
        "src/ops/ (ops, gemm, plans, and the thread pool in src/ops/pool/) may import only " +
        "src/wasm/ and src/ops/: ops are pure compute over kernels and know nothing of configs, " +
        "models, training or hosts.",
      from: { path: "^src/ops/" },
      to: { path: "^src/", pathNot: "^src/(wasm|ops)/" },
    },

    // ---- layer 3: engine and config ------------------------------------------------------
    {
      name: "engine-imports-only-lower-layers",
      severity: "error",
      comment:
        "src/engine/ may import only src/wasm/, src/ops/, src/config/ and src/engine/ (plus " +
        "src/tfjs/ from models' tfjs.ts files, see tfjs-is-optional): no hosts, no entry points. " +
        "Whatever the engine needs from its host (threads, files) is passed in.",
      from: { path: "^src/engine/" },
      to: { path: "^src/", pathNot: "^src/(wasm|ops|config|engine|tfjs)/" },
    },
    {
      name: "engine-not-to-pool",
      severity: "error",
      comment:
        "src/engine/ and src/config/ must not import the thread pool (src/ops/pool/): the engine " +
        "runs on the `Ops` interface and never knows about threads; hosts build the pool.",
      from: { path: "^src/(engine|config)/" },
      to: { path: "^src/ops/pool/" },
    },
    {
      name: "config-imports-only-config-and-model-schemas",
      severity: "error",
      comment:
        "src/config/ (run-config / run-result schemas, presets) is shared with the Worker and the " +
        "page, so it may import only src/config/ and the models' schema files " +
        "(src/engine/models/*/schema.ts, src/engine/models/schemas.ts) and the names of the ops' " +
        "activations and losses (src/ops/kinds.ts), never engine runtime code.",
      from: { path: "^src/config/" },
      to: { path: "^src/", pathNot: ["^src/config/", "^src/ops/kinds\\.ts$", ...MODEL_SCHEMAS] },
    },
    {
      name: "model-schemas-stay-pure",
      severity: "error",
      comment:
        "The models' schema files are imported by src/config/, so they may import only src/config/ " +
        "and other schema files (and src/ops/kinds.ts, a list of names): otherwise src/config/ " +
        "(and the Worker) would pull model runtime code in through them.",
      from: { path: MODEL_SCHEMAS },
      to: { path: "^src/", pathNot: ["^src/config/", "^src/ops/kinds\\.ts$", ...MODEL_SCHEMAS] },
    },

    // ---- layer 4: tfjs -------------------------------------------------------------------
    {
      name: "tfjs-imports-only-config-and-engine",
      severity: "error",
      comment:
        "src/tfjs/ (the TensorFlow.js backend) may import only src/config/, src/engine/ and src/tfjs/.",
      from: { path: "^src/tfjs/" },
      to: { path: "^src/", pathNot: "^src/(config|engine|tfjs)/" },
    },
    {
      name: "tfjs-is-optional",
      severity: "error",
      comment:
        "TensorFlow.js is an optional dependency: in src/ only src/tfjs/, the models' " +
        "src/engine/models/*/tfjs.ts files and the GPU entry point src/webgpu.ts (grokedge/webgpu, " +
        "which loads it on demand) may import src/tfjs/ or @tensorflow/*.",
      from: { path: "^src/", pathNot: ["^src/tfjs/", "^src/engine/models/[^/]+/tfjs\\.ts$", "^src/webgpu\\.ts$"] },
      to: { path: TFJS },
    },
    {
      name: "entry-points-never-reach-tfjs",
      severity: "error",
      comment:
        "The entry points (src/index.ts, src/node.ts, src/cli/) must not pull TensorFlow.js in, " +
        "not even transitively (so not src/webgpu.ts either): it is optional and loaded only by " +
        "code that asks for it.",
      from: { path: ["^src/(index|node)\\.ts$", "^src/cli(\\.ts$|/)"] },
      to: { path: TFJS, reachable: true },
    },

    // ---- layer 5: hosts ------------------------------------------------------------------
    {
      name: "hosts-import-only-lower-layers",
      severity: "error",
      comment:
        "src/hosts/ (node/, browser/, threads-available.ts) may import src/wasm/, src/ops/ " +
        "(including the pool), src/config/, src/engine/ and src/hosts/, never the entry points.",
      from: { path: "^src/hosts/" },
      to: { path: "^src/", pathNot: "^src/(wasm|ops|config|engine|hosts)/" },
    },

    // ---- layer 6: entry points -----------------------------------------------------------
    {
      name: "entry-points-import-only-layers-1-to-5",
      severity: "error",
      comment:
        "src/index.ts, src/node.ts and src/webgpu.ts may import layers 1-5 (src/node.ts also " +
        "re-exports src/index.ts); none imports another entry point but src/index.ts, nor src/cli/.",
      from: { path: "^src/(index|node|webgpu)\\.ts$" },
      to: { path: "^src/", pathNot: ["^src/(wasm|ops|config|engine|tfjs|hosts)/", "^src/index\\.ts$"] },
    },
    {
      name: "cli-imports-only-api-config-hosts",
      severity: "error",
      comment:
        "src/cli/ (the grokedge command) is a client of the public API: besides its own files it may " +
        "import only src/node.ts, src/index.ts, src/config/, src/hosts/ and the volunteer protocol " +
        "it shares with the page (src/client/volunteer.ts, volunteer-api.ts), not the engine, ops or wasm directly.",
      from: { path: "^src/cli(\\.ts$|/)" },
      to: { path: "^src/", pathNot: ["^src/(node|index)\\.ts$", "^src/(config|hosts|cli)/", "^src/client/volunteer(-api)?\\.ts$"] },
    },

    // ---- layer 7: consumers --------------------------------------------------------------
    {
      name: "web-imports-only-public-api",
      severity: "error",
      comment:
        "web/ (the volunteer page, the dashboard) may import from outside web/ only the public entry " +
        "points src/index.ts and src/webgpu.ts (the GPU path), src/config/**, " +
        "src/engine/run-plan.ts, the volunteer protocol (src/client/volunteer.ts, volunteer-api.ts), the API's types " +
        "worker/src/schema.ts and worker/src/client.ts, and (the dashboard only, see " +
        "dashboard-reads-the-aggregates-rules) the aggregates' pure rules in worker/src/aggregate/.",
      from: { path: "^web/" },
      to: {
        path: "^(src|worker|tests|bench|scripts)/",
        pathNot: [
          "^src/index\\.ts$",
          "^src/webgpu\\.ts$",
          "^src/config/",
          "^src/engine/run-plan\\.ts$",
          "^src/client/volunteer(-api)?\\.ts$",
          "^worker/src/(schema|client)\\.ts$",
          "^worker/src/aggregate/(cells|phases)\\.ts$",
        ],
      },
    },
    {
      name: "dashboard-reads-the-aggregates-rules",
      severity: "error",
      comment:
        "Only the researcher dashboard (web/dashboard/) may import worker/src/aggregate/cells.ts and " +
        "phases.ts (pure functions and types, no Workers types): it labels each run's phase and names " +
        "the aggregates' metrics with the API's own rule and types instead of a copy that could drift.",
      from: { path: "^web/", pathNot: "^web/dashboard/" },
      to: { path: "^worker/src/aggregate/" },
    },
    {
      name: "worker-imports-only-config-and-run-plan",
      severity: "error",
      comment:
        "The Cloudflare Worker must not pull the engine in: from src/ it may import only " +
        "src/config/** and src/engine/run-plan.ts (direct imports), and nothing from tests/, " +
        "bench/, scripts/ or web/.",
      from: { path: "^worker/src/" },
      to: {
        path: "^(src|tests|bench|scripts|web)/",
        pathNot: ["^src/config/", "^src/engine/run-plan\\.ts$"],
      },
    },
    {
      name: "bench-imports-only-src-and-bench",
      severity: "error",
      comment:
        "bench/ may import src/ and bench/ only; never tests/ (shared helpers go to bench/support/ " +
        "or src/), scripts/, web/ or worker/.",
      from: { path: "^bench/" },
      to: { path: "^(tests|scripts|web|worker)/" },
    },
    {
      name: "scripts-import-only-src-and-worker",
      severity: "error",
      comment: "scripts/ may import src/, worker/src/ and scripts/ only; never tests/, bench/ or web/.",
      from: { path: "^scripts/" },
      to: { path: "^(tests|bench|web|worker)/", pathNot: "^worker/src/" },
    },

    // ---- everywhere ----------------------------------------------------------------------
    {
      name: "no-circular",
      severity: "error",
      comment:
        "No circular dependencies in src/, worker/src/ or web/ (type-only imports included): a " +
        "cycle makes the layers meaningless and module initialisation order fragile.",
      from: { path: "^(src|worker/src|web)/" },
      to: { circular: true },
    },
    {
      name: "src-not-to-outside",
      severity: "error",
      comment:
        "Nothing in src/ (the published package) may import tests/, bench/, scripts/, web/ or worker/, " +
        "except the typed client's entry (src/client/index.ts, grokedge/client), which re-exports the " +
        "API's client and request/reply types (worker/src/client.ts, worker/src/schema.ts).",
      // src/client/volunteer.ts: see volunteer-protocol-imports-only-api-schema.
      from: { path: "^src/", pathNot: ["^src/client/index\\.ts$", "^src/client/volunteer(-api)?\\.ts$"] },
      to: { path: OUTSIDE_SRC },
    },
    {
      name: "client-entry-imports-only-api-client-and-schema",
      severity: "error",
      comment: "From worker/, the client entry src/client/index.ts may import only worker/src/client.ts and worker/src/schema.ts.",
      from: { path: "^src/client/index\\.ts$" },
      to: { path: OUTSIDE_SRC, pathNot: "^worker/src/(client|schema)\\.ts$" },
    },
    {
      name: "volunteer-protocol-imports-only-api-schema",
      severity: "error",
      comment:
        "The volunteer protocol shared by the page and the CLI (src/client/volunteer.ts, volunteer-api.ts) may import, " +
        "from outside src/, only the API's request/reply types (worker/src/schema.ts).",
      from: { path: "^src/client/volunteer(-api)?\\.ts$" },
      to: { path: OUTSIDE_SRC, pathNot: "^worker/src/schema\\.ts$" },
    },
    {
      name: "no-node-builtins-below-hosts",
      severity: "error",
      comment:
        "src/wasm/, src/ops/, src/engine/ and src/config/ run in browsers and in the Worker too: " +
        "no Node built-ins (fs, node:fs, worker_threads, ...). dependency-cruiser reports `node:x` " +
        "and `x` alike as dependency type 'core'. Node-only code lives in src/hosts/node/, " +
        "src/node.ts and src/cli/.",
      from: { path: "^src/(wasm|ops|engine|config)/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "universal-code-not-to-node-host",
      severity: "error",
      comment:
        "The universal entry point src/index.ts, the GPU entry point src/webgpu.ts, the browser host " +
        "(src/hosts/browser/, src/hosts/threads-available.ts) and the page (web/) run in browsers: " +
        "they must not import the Node host (src/hosts/node/) or src/node.ts / src/cli/. Nor may the " +
        "volunteer protocol the page shares with the CLI (src/client/volunteer.ts, volunteer-api.ts).",
      from: { path: ["^src/(index|webgpu)\\.ts$", "^src/hosts/browser/", "^src/hosts/threads-available\\.ts$", "^web/", "^src/client/volunteer(-api)?\\.ts$"] },
      to: {
        path: ["^src/hosts/node/", "^src/node\\.ts$", "^src/cli(\\.ts$|/)"],
      },
    },
    {
      name: "universal-code-not-to-node-builtins",
      severity: "error",
      comment:
        "The universal entry point src/index.ts, the GPU entry point src/webgpu.ts, the browser host " +
        "(src/hosts/browser/, src/hosts/threads-available.ts), the page (web/) and the volunteer " +
        "protocol it shares with the CLI (src/client/volunteer.ts, volunteer-api.ts) must not import Node built-ins.",
      from: { path: ["^src/(index|webgpu)\\.ts$", "^src/hosts/browser/", "^src/hosts/threads-available\\.ts$", "^web/", "^src/client/volunteer(-api)?\\.ts$"] },
      to: { dependencyTypes: ["core"] },
    },
  ],

  options: {
    // Dependencies of npm packages are not our layers: record the edge, do not descend.
    doNotFollow: { path: "(^|/)node_modules/" },
    // node_modules is not excluded: the edge into a package must stay visible for tfjs-is-optional.
    exclude: { path: ["^web/dist/", "^dist/", "^build/"] },
    // NodeNext: `./x.js` specifiers resolve to `./x.ts`. worker/tsconfig.json only extends this one
    // with other ambient types, so the root tsconfig resolves worker/src/ the same way.
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    // Also see `process.getBuiltinModule("node:fs")` as a (core) import.
    detectProcessBuiltinModuleCalls: true,
    moduleSystems: ["es6", "cjs"],
    enhancedResolveOptions: {
      // Resolve package subpath exports (hono/client, tsx/esm/api) instead of reporting them unresolved.
      exportsFields: ["exports"],
      conditionNames: ["types", "import", "require", "node", "default"],
      mainFields: ["module", "main", "types", "typings"],
    },
    progress: { type: "none" },
  },
};
