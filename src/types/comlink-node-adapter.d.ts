// comlink ships this adapter's types as node-adapter.d.ts next to an .mjs file, which NodeNext resolution doesn't pair.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink";
  /** Wraps a worker_threads Worker or MessagePort as a comlink endpoint. */
  export default function nodeEndpoint(nep: object): Endpoint;
}
