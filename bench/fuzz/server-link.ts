/**
 * Every request of a fuzz run (its own and the fixtures') goes through here: sent as built, answered
 * with the server's log lines written meanwhile (a 500's stack trace), retried when `wrangler dev`
 * reloaded the Worker under it (another edit in a shared working tree: "Your worker restarted
 * mid-request", or a dropped connection, not an answer of the API), and every row the API said it
 * stored is remembered, for the invariant check to compare with what is in the tables.
 */
import { sendRaw, type RawRequest, type RawResponse } from "./send.js";

export interface Server {
  origin: string;
  adminToken: string;
  tokenSecret: string;
  /** What wrangler printed so far. */
  log(): string;
}

export interface Answer extends RawResponse {
  /** Parsed JSON body, or undefined. */
  json: any;
  /** For a 5xx or no reply: wrangler's log since the request went out (the Worker's console.error included). */
  serverLog: string;
}

/** Ids of the rows the API acknowledged creating (a 201 naming them), per table. */
export interface Acknowledged {
  sweeps: Set<string>;
  clients: Set<string>;
  leases: Set<string>;
  results: Set<string>;
}

const RELOAD = /Reloading local server|restarted mid-request/;
const RELOAD_RETRIES = 3;
/** Longest wait for a failed request's error to appear in the log, and for its stack trace to follow it. */
const LOG_SETTLE_MS = 1000;
const STACK_SETTLE_MS = 150;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ServerLink {
  readonly acknowledged: Acknowledged = { sweeps: new Set(), clients: new Set(), leases: new Set(), results: new Set() };
  /** Writes whose reply a Worker reload swallowed: each may or may not have stored its row. */
  unansweredWrites = 0;
  reloads = 0;

  constructor(readonly server: Server) {}

  get origin(): string {
    return this.server.origin;
  }

  async send(request: RawRequest): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const logStart = this.server.log().length;
      const response = await sendRaw(this.origin, request);
      const reloaded = (response.status === 503 && /restarted mid-request/.test(response.text)) || (response.status === 0 && RELOAD.test(this.server.log().slice(logStart)));
      if (reloaded && attempt < RELOAD_RETRIES) {
        this.reloads++;
        if (request.method !== "GET") this.unansweredWrites++;
        await this.waitUntilReady();
        continue;
      }
      const failed = response.status === 0 || response.status >= 500;
      const answer: Answer = { ...response, json: parseJson(response.text), serverLog: failed ? await this.errorLog(logStart) : "" };
      this.remember(answer);
      return answer;
    }
  }

  /** Records the rows a 2xx reply says were stored, by the reply's shape (whatever the path was). */
  private remember({ status, json }: Answer): void {
    if (status < 200 || status > 299 || typeof json !== "object" || json === null) return;
    if (status === 201 && typeof json.sweep?.id === "string" && typeof json.sweep.units === "number") this.acknowledged.sweeps.add(json.sweep.id);
    if (status === 201 && typeof json.clientId === "string" && typeof json.token === "string") this.acknowledged.clients.add(json.clientId);
    if (typeof json.lease?.id === "string") this.acknowledged.leases.add(json.lease.id);
    if (typeof json.result?.id === "string" && typeof json.result.unit?.id === "string") this.acknowledged.results.add(json.result.id);
  }

  /** The log since `start`, once the Worker has logged its error: it may do so after its 500 has gone out. */
  private async errorLog(start: number): Promise<string> {
    const deadline = Date.now() + LOG_SETTLE_MS;
    while (!/ERROR|Error:/.test(this.server.log().slice(start)) && Date.now() < deadline) await pause(25);
    await pause(STACK_SETTLE_MS); // the stack trace follows the error line
    return this.server.log().slice(start);
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      await pause(250);
      const probe = await sendRaw(this.origin, { method: "GET", target: "/api/openapi.json", headers: [] });
      if (probe.status === 200) return;
    }
    throw new Error("the Worker did not come back within 60 s of a reload");
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
