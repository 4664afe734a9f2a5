// Creates a small sweep on a grokedge API with the typed client, then reads its aggregates.
//
//   GROKEDGE_API=http://127.0.0.1:8787 GROKEDGE_ADMIN_TOKEN=… npm start
import { createApiClient, type AggregatesReply, type CreateSweepRequest } from "grokedge/client";

const origin = process.env.GROKEDGE_API ?? "http://127.0.0.1:8787";
const adminToken = process.env.GROKEDGE_ADMIN_TOKEN;
if (!adminToken) {
  console.error("set GROKEDGE_ADMIN_TOKEN to the API's admin token");
  process.exit(2);
}

// Weight decay × data fraction, two seeds each: 8 runs of the quadratic MLP on a + b mod 97.
const sweep: CreateSweepRequest = {
  name: "weight decay × train fraction",
  baseConfig: {
    version: 1,
    task: { kind: "modular", p: 97, op: "add", trainFraction: 0.5 },
    model: { kind: "mlp", input: "onehot", hidden: [500], activation: "square", bias: false },
    loss: "mse",
    optimizer: { kind: "adamw", lr: 0.01, weightDecay: 1 },
    steps: 300,
    evalInterval: 10,
    seed: 0,
  },
  axes: [
    { path: "optimizer.weightDecay", values: [0.1, 5] },
    { path: "task.trainFraction", values: [0.3, 0.5] },
  ],
  seeds: [0, 1],
  quorum: 1,
};

const api = createApiClient(origin, { headers: { authorization: `Bearer ${adminToken}` } });
const created = await api.api.sweeps.$post({ json: sweep });
if (created.status !== 201) throw new Error(`creating the sweep failed: HTTP ${created.status} ${JSON.stringify(await created.json())}`);
const { id, units } = (await created.json()).sweep;
console.log(`sweep ${id}: ${units} units`);

const reply = await api.api.sweeps[":id"].aggregates.$get({ param: { id }, query: { format: "json" } });
if (reply.status !== 200) throw new Error(`reading the aggregates failed: HTTP ${reply.status}`);
// The route answers CSV too (format: "csv"), so the client cannot type a 200's body by itself.
const aggregates = (await reply.json()) as AggregatesReply;
for (const { cell, seeds, validated, phase } of aggregates.cells) {
  console.log(`${aggregates.axes.map((axis, i) => `${axis}=${cell[i]}`).join(" ")}: ${validated}/${seeds} runs validated, phase ${phase ?? "not yet known"}`);
}
