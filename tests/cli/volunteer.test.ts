/**
 * grokedge volunteer against a real `wrangler dev`: it trains and posts units until --max-units or
 * --until, keeps its registration, offers the wasm-simd backend only (never takes a GPU replica),
 * waits out a network outage (results retried until delivered), finishes its unit on Ctrl-C or
 * abandons it on a second one, and names an API it cannot reach (exit 3).
 */
import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../bench/support/wrangler-dev.js";
import { createSweep, getSweep, unitsOf } from "../support/sweep-fixtures.js";
import { startWorker, type WorkerServer } from "../support/worker-server.js";
import { runCli, temporaryFolder } from "./support/run-cli.js";
import { tinyQuadraticConfig } from "./support/tiny-sweep.js";

let api: WorkerServer;
let dir: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  [api, dir] = await Promise.all([startWorker(), temporaryFolder("grokedge-cli-volunteer-")]);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await dir?.remove();
});

/** A volunteer's environment: its own config folder (registration), the API. */
const volunteerEnv = (name: string, origin = api.origin) => ({ GROKEDGE_API: origin, XDG_CONFIG_HOME: join(dir.path, name) });

const tinySweep = (seeds: number[]) => createSweep(api, { baseConfig: tinyQuadraticConfig(), seeds, quorum: 1 });

/**
 * An HTTP proxy to the API that records each request (method, path and query) and, given
 * `outageMs`, goes down (refuses connections) for that long right after it has forwarded the first
 * progress report, then comes back on the same port.
 */
async function flakyProxy(outageMs: number | null): Promise<{ origin: string; outages: number; requests: string[]; close(): Promise<void> }> {
  const port = await freePort();
  const state = { origin: `http://127.0.0.1:${port}`, outages: 0, requests: [] as string[], close: async () => {} };
  let server: Server;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        state.requests.push(`${req.method} ${req.url}`);
        const headers: Record<string, string> = {};
        for (const name of ["authorization", "content-type", "idempotency-key"]) if (req.headers[name]) headers[name] = String(req.headers[name]);
        const reply = await fetch(api.origin + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        const body = Buffer.from(await reply.arrayBuffer());
        res.writeHead(reply.status, { "content-type": reply.headers.get("content-type") ?? "text/plain" }).end(body);
        if (outageMs !== null && req.url!.endsWith("/progress") && state.outages === 0) {
          state.outages++;
          server.close();
          server.closeAllConnections();
          setTimeout(() => void listen(), outageMs);
        }
      });
      server.listen(port, "127.0.0.1", resolve);
    });
  await listen();
  state.close = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  return state;
}

describe("grokedge volunteer", () => {
  it("trains units up to --max-units with the page's protocol (a bar per unit on a terminal), and keeps its registration (mode 0600)", async () => {
    const sweep = await tinySweep([0, 1, 2]);
    const env = volunteerEnv("max-units");
    const first = await runCli(["volunteer", "--sweep", sweep, "--max-units", "1"], { env });
    expect(first.code).toBe(0);
    const clientId = first.err.match(/^registered as volunteer (\S+)$/m)?.[1];
    expect(clientId).toBeDefined();
    expect(first.err).toMatch(/^unit \S+: mlp on a add b mod 23 \(train fraction 0\.7\), adamw wd 5, seed 0, 60 steps$/m);
    expect(first.err).toMatch(/done in \d+\.\d s — generalized at step 50, test acc 1\.000; result valid, unit validated/);
    expect(first.out).toBe("contributed 1 unit, 60 training steps; results: valid 1");
    const identity = join(dir.path, "max-units", "grokedge", "volunteer.json");
    expect((await stat(identity)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(identity, "utf8"))[api.origin].clientId).toBe(clientId);

    // On a terminal: a progress bar per unit.
    const second = await runCli(["volunteer", "--sweep", sweep, "--max-units", "2", "--threads", "2"], { env, terminal: true });
    expect(second.code).toBe(0);
    expect(second.screen.match(/60\/60 \| test acc \d\.\d{3} \| \d+\.\d steps\/s/g)).toHaveLength(2);
    expect(second.err).not.toMatch(/registered as/);
    expect(second.out).toBe("contributed 2 units, 120 training steps; results: valid 2");
    expect((await getSweep(api, sweep)).counts).toMatchObject({ validated: 3, pending: 0, leased: 0 });
    // Every unit's result came from the one registered volunteer.
    for (const unit of await unitsOf(api, sweep)) expect(unit.results.map((r: { clientId: string }) => r.clientId)).toEqual([clientId]);
  });

  it("waits for work until --until, then stops", async () => {
    const sweep = await tinySweep([0]);
    await runCli(["volunteer", "--sweep", sweep, "--max-units", "1"], { env: volunteerEnv("until") });
    const t0 = performance.now();
    const { code, out, err } = await runCli(["volunteer", "--sweep", sweep, "--until", "2s"], { env: volunteerEnv("until") });
    expect(code).toBe(0);
    expect(err).toMatch(/^no work right now; asking again in 30 s\nreached --until$/m);
    expect(out).toBe("contributed 0 units, 0 training steps");
    expect(performance.now() - t0).toBeGreaterThan(1500);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("offers wasm-simd only: it trains a unit's quorum replica and never its GPU replica", async () => {
    const sweep = await createSweep(api, { baseConfig: tinyQuadraticConfig(), seeds: [0], quorum: 1, gpuReplicas: 1 });
    const proxy = await flakyProxy(null);
    try {
      const first = await runCli(["volunteer", "--sweep", sweep, "--max-units", "1"], { env: volunteerEnv("wasm-only", proxy.origin) });
      expect(first.out).toBe("contributed 1 unit, 60 training steps; results: valid 1");
      // Another volunteer: the validated unit still wants a GPU run, which this one does not offer.
      const second = await runCli(["volunteer", "--sweep", sweep, "--until", "1s"], { env: volunteerEnv("wasm-only-too", proxy.origin) });
      expect(second.code).toBe(0);
      expect(second.err).toMatch(/^no work right now; asking again in 30 s$/m);
      expect(second.out).toBe("contributed 0 units, 0 training steps");
    } finally {
      await proxy.close();
    }
    expect(proxy.requests.filter((request) => request.startsWith("POST /api/leases?"))).toEqual([`POST /api/leases?backends=wasm-simd&sweep=${sweep}`, `POST /api/leases?backends=wasm-simd&sweep=${sweep}`]);
    const [unit] = await unitsOf(api, sweep);
    expect(unit.results.map((r: { backend: string }) => r.backend)).toEqual(["wasm-simd"]);
  });

  it("survives a network outage in the middle of a unit: training goes on, the result is retried until delivered", async () => {
    const sweep = await tinySweep([0]);
    const proxy = await flakyProxy(2500);
    try {
      const { code, out, err } = await runCli(["volunteer", "--sweep", sweep, "--max-units", "1"], { env: volunteerEnv("outage", proxy.origin) });
      expect(proxy.outages).toBe(1);
      expect(err).toMatch(/progress report failed: POST .*\/progress: fetch failed.* \(training goes on\)/);
      expect(err).toMatch(/posting the result of unit \S+ failed: POST .*\/result: fetch failed \(ECONNREFUSED\); retrying in \d+\.\d s/);
      expect(code).toBe(0);
      expect(out).toBe("contributed 1 unit, 60 training steps; results: valid 1");
    } finally {
      await proxy.close();
    }
    expect((await getSweep(api, sweep)).counts.validated).toBe(1);
  });

  it("on Ctrl-C finishes the unit in training and stops", async () => {
    const sweep = await tinySweep([0, 1, 2]);
    const { code, out, err } = await runCli(["volunteer", "--sweep", sweep], {
      env: volunteerEnv("ctrl-c"),
      onLine: (line, _stream, interrupt) => /^unit \S+: mlp/.test(line) && interrupt(),
    });
    expect(code).toBe(0);
    expect(err).toMatch(/Ctrl-C: finishing the unit in training, then stopping \(Ctrl-C again to abandon it\)/);
    expect(err).toMatch(/stopped by Ctrl-C$/);
    expect(out).toBe("contributed 1 unit, 60 training steps; results: valid 1");
    expect((await getSweep(api, sweep)).counts).toMatchObject({ validated: 1, leased: 0, pending: 2 });
  });

  it("on a second Ctrl-C abandons the unit: its lease stays until it expires, and says so", async () => {
    const sweep = await tinySweep([0]);
    let presses = 0;
    const { code, out } = await runCli(["volunteer", "--sweep", sweep], {
      env: volunteerEnv("ctrl-c-twice"),
      onLine: (line, _stream, interrupt) => {
        if (/^unit \S+: mlp/.test(line)) while (presses++ < 2) interrupt();
      },
    });
    expect(code).toBe(0);
    const [unit] = await unitsOf(api, sweep);
    expect(out).toMatch(new RegExp(`^contributed 0 units, 0 training steps\\nabandoned unit ${unit.id}: the API cannot take a lease back, so the unit returns to the pool when lease ${unit.leases[0].id} expires`));
    expect(unit.leases).toHaveLength(1);
    expect(unit.leases[0].status).toBe("live");
    expect(unit.results).toEqual([]);
  });

  it("names the API it cannot reach and what failed, after its retries (exit 3)", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const { code, out, err } = await runCli(["volunteer"], { env: volunteerEnv("unreachable", nobody) });
    expect(code).toBe(3);
    expect(out).toBe("");
    expect(err.match(/asking for work failed: POST .*\/api\/clients: fetch failed \(ECONNREFUSED\); retrying in/g)).toHaveLength(3);
    expect(err).toMatch(new RegExp(`^error: cannot reach the API at ${nobody}: POST ${nobody}/api/clients: fetch failed \\(ECONNREFUSED\\) \\(4 attempts\\)$`, "m"));
  });

  it("stops with the API's refusal when asked for a sweep it does not have (exit 1)", async () => {
    const { code, err } = await runCli(["volunteer", "--sweep", "no-such-sweep"], { env: volunteerEnv("max-units") });
    expect(code).toBe(1);
    expect(err).toMatch(/^error: POST .*\/api\/leases\?backends=wasm-simd&sweep=no-such-sweep: 404 sweep_not_found no sweep with id "no-such-sweep"$/m);
  });
});
