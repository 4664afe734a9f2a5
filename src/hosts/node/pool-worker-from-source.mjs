// Running from TypeScript sources (tests, tsx): worker threads don't inherit tsx's loader, so this
// plain-JS entry registers it and then loads the real worker. The published build uses worker-node.js.
import { register } from "tsx/esm/api";

register();
await import("./pool-worker.ts");
