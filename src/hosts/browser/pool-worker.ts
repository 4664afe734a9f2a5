/** Entry of a pool worker in browsers (a module Web Worker), driven over comlink. */
import { expose } from "comlink";
import { PoolWorker } from "../../ops/pool/worker-loop.js";

expose(new PoolWorker());
