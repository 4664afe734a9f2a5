/**
 * A typed client of the API for researchers' scripts (hono/client): routes, bodies and responses
 * checked by TypeScript against the app's own route definitions (app.ts). Published as
 * `grokedge/client` (src/client.ts); its types need no Workers types.
 *
 *   const api = createApiClient("http://127.0.0.1:8787");
 *   const res = await api.api.sweeps.$get();
 */
import { hc } from "hono/client";
import type { AppType } from "./app.js";

export function createApiClient(origin: string, init?: Parameters<typeof hc>[1]) {
  return hc<AppType>(origin, init);
}

export type ApiClient = ReturnType<typeof createApiClient>;
