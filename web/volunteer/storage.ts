/**
 * What the page remembers in localStorage: the volunteer's registration (so this browser stays one
 * volunteer across visits and never counts twice toward a unit's quorum), the thread count and
 * whether the GPU is allowed. Never a standing consent: each visit trains only after Start.
 */
import type { IdentityStore } from "../../src/client/volunteer.js";
import type { RegisteredClient } from "../../worker/src/schema.js";

const KEYS = { client: "grokedge.client", threads: "grokedge.threads", allowGpu: "grokedge.allowGpu" } as const;

export const identityStore: IdentityStore = {
  load() {
    const stored = localStorage.getItem(KEYS.client);
    if (!stored) return null;
    try {
      const client = JSON.parse(stored) as Partial<RegisteredClient>;
      return typeof client.clientId === "string" && typeof client.token === "string" ? { clientId: client.clientId, token: client.token } : null;
    } catch {
      // Unreadable: register afresh.
      return null;
    }
  },
  save(client) {
    if (client) localStorage.setItem(KEYS.client, JSON.stringify(client));
    else localStorage.removeItem(KEYS.client);
  },
};

export const rememberedThreads = (): string | null => localStorage.getItem(KEYS.threads);
export const rememberThreads = (threads: number): void => localStorage.setItem(KEYS.threads, String(threads));
export const rememberedAllowGpu = (): boolean => localStorage.getItem(KEYS.allowGpu) === "true";
export const rememberAllowGpu = (allow: boolean): void => localStorage.setItem(KEYS.allowGpu, String(allow));
