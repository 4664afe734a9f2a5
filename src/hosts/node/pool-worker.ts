/** Entry of a pool worker thread in Node (worker_threads), driven over comlink. */
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { parentPort } from "node:worker_threads";
import { PoolWorker } from "../../ops/pool/worker-loop.js";

if (!parentPort) throw new Error("worker-node must run in a worker thread");
expose(new PoolWorker(), nodeEndpoint(parentPort));
