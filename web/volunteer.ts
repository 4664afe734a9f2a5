/**
 * The volunteer page: registers once (token in localStorage), then loops — lease a work unit, train
 * it in a coordinator Web Worker with a thread pool (src/ops/pool/), report progress at every
 * evaluation (stopping if the API says so), post the result, next lease. Shows what it computes, a
 * live accuracy curve, this browser's completed units and the global stats. Errors go on the page.
 */
import type { RunConfig } from "../src/config/run-config.js";
import type { CurvePoint } from "../src/config/run-result.js";
import { trainInBackground, type Progress } from "../src/index.js";
import type { Lease, ProgressReply, RegisteredClient, ResultVerdict } from "../worker/src/schema.js";
import { drawCurve } from "./curve.js";

const NO_WORK_RETRY_MS = 30_000;
const ERROR_RETRY_MS = 30_000;
const STATS_INTERVAL_MS = 30_000;
const MAX_THREADS = 4;
const TOKEN_KEY = "grokedge.client";
const DONE_KEY = "grokedge.unitsDone";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};
const at = (path: string) => new URL(path, location.href).href;
const threads = Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1));

// ---- page state -------------------------------------------------------------------------------

let paused = false;
/** Aborts the current run (pause, or the API said stop). */
let runAbort: AbortController | null = null;
/** Ends the current wait early (pause / resume). */
let wake: (() => void) | null = null;

function setStatus(text: string): void {
  $("status").textContent = text;
}
function showError(context: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(context, error);
  $("errors").textContent = `${new Date().toLocaleTimeString()} — ${context}: ${message}`;
}
function clearError(): void {
  $("errors").textContent = "";
}
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = null;
      resolve();
    }
    wake = done;
  });
}
function unitsDone(): number {
  return Number(localStorage.getItem(DONE_KEY) ?? 0) || 0;
}
function showUnitsDone(): void {
  $("units-done").textContent = String(unitsDone());
}

// ---- the API ----------------------------------------------------------------------------------

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(method: string, path: string, { token, body }: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T | null }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(at(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiFailure(response.status, `${method} ${path}: ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiFailure(response.status, `${method} ${path}: ${response.status} ${error?.code ?? ""} ${error?.message ?? text.slice(0, 200)}`.trim());
  }
  return { status: response.status, body: parsed as T };
}

/** SIMD support: WebAssembly.validate on a minimal module using a v128 instruction. */
function hasWasmSimd(): boolean {
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  return WebAssembly.validate(bytes);
}

async function client(): Promise<RegisteredClient> {
  const stored = localStorage.getItem(TOKEN_KEY);
  if (stored) return JSON.parse(stored) as RegisteredClient;
  const capabilities = { simd: hasWasmSimd(), threads: crossOriginIsolated, cores: Math.max(1, Math.min(1024, navigator.hardwareConcurrency || 1)), webgpu: "gpu" in navigator, userAgent: navigator.userAgent.slice(0, 500) };
  const { body } = await api<RegisteredClient>("POST", "/api/clients", { body: capabilities });
  if (!body) throw new Error("POST /api/clients returned no body");
  localStorage.setItem(TOKEN_KEY, JSON.stringify(body));
  localStorage.setItem(DONE_KEY, "0");
  return body;
}

async function refreshStats(): Promise<void> {
  try {
    const { body } = await api<{ volunteersActive: number; unitsValidated: number; trainingSteps: number; flops: number }>("GET", "/api/stats");
    if (!body) return;
    $("stat-volunteers").textContent = body.volunteersActive.toLocaleString();
    $("stat-units").textContent = body.unitsValidated.toLocaleString();
    $("stat-steps").textContent = body.trainingSteps.toLocaleString();
    $("stat-flops").textContent = body.flops.toExponential(2);
  } catch (error) {
    showError("global stats", error);
  }
}

// ---- training -----------------------------------------------------------------------------------

function describe(config: RunConfig): string {
  const { task, model, optimizer } = config;
  const taskText = task.kind === "modular" ? `a ${task.op} b mod ${task.p}, train fraction ${task.trainFraction}` : task.kind;
  const details = Object.entries(model)
    .filter(([key, value]) => key !== "kind" && (typeof value === "number" || Array.isArray(value) || typeof value === "string"))
    .map(([key, value]) => `${key} ${Array.isArray(value) ? `[${value.join(", ")}]` : String(value)}`)
    .join(", ");
  return `${taskText} · ${model.kind} (${details}) · ${optimizer.kind} lr ${optimizer.lr} wd ${optimizer.weightDecay} · seed ${config.seed}`;
}

class Stopped extends Error {}

async function runLease(lease: Lease, { token }: RegisteredClient): Promise<void> {
  const started = performance.now();
  const config = lease.config;
  const points: CurvePoint[] = [];
  const canvas = $<HTMLCanvasElement>("curve");
  drawCurve(canvas, points, config.steps);
  $("run").textContent = `Unit ${lease.unitId}: ${describe(config)}`;
  const abort = new AbortController();
  runAbort = abort;
  let last = { step: 0, time: started };
  let rate = 0;
  // Progress reports go one after another; a failed one is shown, and training goes on.
  let reports = Promise.resolve();
  const onProgress = (progress: Progress) => {
    const now = performance.now();
    if (progress.step > last.step && now > last.time) {
      rate = ((progress.step - last.step) * 1000) / (now - last.time);
      last = { step: progress.step, time: now };
    }
    setStatus(`Training: step ${progress.step} / ${progress.steps}${rate > 0 ? ` · ${rate.toFixed(1)} steps/s` : ""}`);
    const point = progress.point;
    if (!point) return;
    points.push(point);
    drawCurve(canvas, points, config.steps);
    reports = reports.then(async () => {
      try {
        const { body } = await api<ProgressReply>("POST", `/api/leases/${lease.id}/progress`, { token, body: { step: progress.step, metrics: point } });
        if (body?.stop) abort.abort(new Stopped(`the server stopped this unit (${body.reason ?? "no reason given"})`));
      } catch (error) {
        showError("progress report", error);
      }
    });
  };
  try {
    setStatus("Loading the engine…");
    const result = await trainInBackground(config, {
      threads,
      coordinatorUrl: at("/coordinator.js"),
      simdUrl: at("/build/simd.wasm"),
      threadsUrl: at("/build/simd-threads.wasm"),
      poolWorkerUrl: at("/pool-worker.js"),
      mnistUrl: at("/build/mnist.bin"),
      onProgress,
      signal: abort.signal,
    });
    await reports;
    if (abort.signal.aborted) throw abort.signal.reason;
    $("threads").textContent = `${result.meta.threads} (${result.meta.build ?? result.meta.backend})${result.meta.note ? ` — ${result.meta.note}` : ""}`;
    setStatus("Sending the result…");
    const wallSeconds = (performance.now() - started) / 1000;
    const { body } = await api<{ result: ResultVerdict }>("POST", `/api/leases/${lease.id}/result`, { token, body: { result, timings: { wallSeconds } } });
    localStorage.setItem(DONE_KEY, String(unitsDone() + 1));
    showUnitsDone();
    clearError();
    setStatus(`Unit done in ${wallSeconds.toFixed(1)} s (result ${body?.result.status ?? "?"}, unit ${body?.result.unit.status ?? "?"}).`);
  } finally {
    runAbort = null;
  }
}

// ---- the loop -----------------------------------------------------------------------------------

async function loop(): Promise<never> {
  for (;;) {
    if (paused) {
      setStatus("Paused.");
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    try {
      const me = await client();
      $("client-id").textContent = me.clientId;
      let response: { status: number; body: { lease: Lease } | null };
      try {
        response = await api<{ lease: Lease }>("POST", "/api/leases", { token: me.token });
      } catch (error) {
        // A token this server does not recognise (new secret, reset database): register afresh.
        if (error instanceof ApiFailure && error.status === 401) {
          localStorage.removeItem(TOKEN_KEY);
          continue;
        }
        throw error;
      }
      if (response.status === 204 || !response.body) {
        setStatus(`No work right now; asking again in ${NO_WORK_RETRY_MS / 1000} s.`);
        await sleep(NO_WORK_RETRY_MS);
        continue;
      }
      await runLease(response.body.lease, me);
      void refreshStats();
    } catch (error) {
      if (paused) continue; // the pause button abandoned the run
      if (error instanceof Stopped) {
        setStatus(error.message);
        continue;
      }
      showError("work loop", error);
      setStatus(`Something went wrong; retrying in ${ERROR_RETRY_MS / 1000} s.`);
      await sleep(ERROR_RETRY_MS);
    }
  }
}

function start(): void {
  const button = $<HTMLButtonElement>("pause");
  button.addEventListener("click", () => {
    paused = !paused;
    button.textContent = paused ? "Resume" : "Pause";
    // Pausing abandons the current unit (its lease expires and it goes back to the pool).
    if (paused) runAbort?.abort(new Error("paused"));
    wake?.();
  });
  window.addEventListener("error", (event) => showError("page", event.error ?? event.message));
  window.addEventListener("unhandledrejection", (event) => showError("page", event.reason));
  $("threads").textContent = crossOriginIsolated ? `${threads}` : `1 (the page is not cross-origin isolated; asked for ${threads})`;
  showUnitsDone();
  drawCurve($<HTMLCanvasElement>("curve"), [], 1);
  void refreshStats();
  setInterval(() => void refreshStats(), STATS_INTERVAL_MS);
  void loop();
}

start();
