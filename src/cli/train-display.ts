/**
 * How `grokedge train` shows a run: a progress bar on a terminal (cli-progress), plain lines when
 * output is piped, or newline-delimited JSON events with --json. The ETA comes from the run plan:
 * the FLOPs still to execute (steps and evaluations left) at the pace measured so far in FLOPs per second.
 */
import { SingleBar } from "cli-progress";
import { RunPace, type CurvePoint, type Progress, type RunConfig, type RunPlan, type RunResult } from "../index.js";
import type { CliIo, Terminal } from "./io.js";

/** Between evaluations, a plain line with the step, pace and ETA at most this often. */
const PACE_INTERVAL_MS = 10_000;

export interface RunStart {
  config: RunConfig;
  plan: RunPlan;
  threads: number;
  /** Steps already done (a resumed run). */
  fromStep: number;
}

export interface TrainDisplay {
  start(run: RunStart): void;
  progress(progress: Progress): void;
  checkpoint(step: number, file: string): void;
  done(result: RunResult, outFile?: string): void;
  /** Leaves the terminal clean after a failure. */
  close(): void;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "…";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** A loss or norm as printed: null (not finite, the run diverged) as "diverged". */
const divergible = (x: number | null, format: (x: number) => string) => (x === null ? "diverged" : format(x));

export function formatPoint(p: CurvePoint, steps: number): string {
  const width = String(steps).length;
  return `step ${String(p.step).padStart(width)}/${steps}  train loss ${divergible(p.trainLoss, (x) => x.toExponential(3))} acc ${p.trainAccuracy.toFixed(4)}  test loss ${divergible(p.testLoss, (x) => x.toExponential(3))} acc ${p.testAccuracy.toFixed(4)}  |θ| ${divergible(p.weightNorm, (x) => x.toFixed(3))}`;
}

export function formatSummary({ summary: s, meta }: RunResult): string[] {
  const step = (x: number | null) => (x === null ? "never" : `step ${x}`);
  return [
    `memorization (train acc ≥ 0.99): ${step(s.memorizationStep)}`,
    `generalization (test acc ≥ 0.99): ${step(s.generalizationStep)}`,
    `grokking delay: ${s.grokkingDelay === null ? "—" : `${s.grokkingDelay} steps`}`,
    `final: train acc ${s.final.trainAccuracy.toFixed(4)}, test acc ${s.final.testAccuracy.toFixed(4)}, |θ| ${divergible(s.final.weightNorm, (x) => x.toFixed(3))}`,
    `${s.stepsRun} steps${s.stoppedEarly ? " (stopped early)" : ""} in ${s.wallSeconds.toFixed(1)} s, ${s.stepsPerSecond.toFixed(1)} steps/s, ${s.parameterCount} parameters, ${meta.backend} ${meta.build} × ${meta.threads} thread(s)`,
    `paramsHash ${s.paramsHash}`,
    `resultDigest ${s.resultDigest}`,
  ];
}

function startLine({ config, plan, threads, fromStep }: RunStart): string {
  const from = fromStep > 0 ? `resuming at step ${fromStep} of ${config.steps}` : `${config.steps} steps`;
  return `training ${config.model.kind} on ${config.task.kind === "modular" ? `a ${config.task.op} b mod ${config.task.p}` : config.task.kind}: ${from}, ${plan.evaluations} evaluations, ${plan.parameterCount} parameters, ${(plan.flops.perRun / 1e9).toFixed(2)} GFLOP, ${threads} thread(s)`;
}

/** Plain lines: one per evaluation, and the pace and ETA every PACE_INTERVAL_MS between them. */
class LineDisplay implements TrainDisplay {
  private eta!: RunPace;
  private paced = performance.now();
  constructor(private readonly io: CliIo) {}
  start(run: RunStart) {
    this.eta = new RunPace(run.config, run.plan, run.fromStep);
    this.io.out(startLine(run));
  }
  progress(progress: Progress) {
    const eta = this.eta.update(progress).etaSeconds;
    if (progress.point) this.io.out(formatPoint(progress.point, progress.steps));
    else if (performance.now() - this.paced >= PACE_INTERVAL_MS) this.io.out(`step ${progress.step}/${progress.steps}  ${progress.stepsPerSecond.toFixed(1)} steps/s  ETA ${formatDuration(eta)}`);
    else return;
    this.paced = performance.now();
  }
  checkpoint(step: number, file: string) {
    this.io.out(`checkpoint at step ${step} written to ${file}`);
  }
  done(result: RunResult, outFile?: string) {
    for (const line of formatSummary(result)) this.io.out(line);
    if (outFile) this.io.out(`result written to ${outFile}`);
  }
  close() {}
}

/** A progress bar on the terminal (stderr); the summary on stdout when done. */
class BarDisplay implements TrainDisplay {
  private eta!: RunPace;
  private bar: SingleBar;
  private started = false;
  private last = { loss: "…", acc: "…" };
  constructor(
    private readonly io: CliIo,
    terminal: Terminal,
  ) {
    this.bar = new SingleBar({
      stream: terminal,
      format: "{bar} {value}/{total} | loss {loss} | acc {acc} | {rate} steps/s | ETA {etaText}",
      barsize: 24,
      hideCursor: true,
      fps: 8,
      etaBuffer: 1,
    });
  }
  start(run: RunStart) {
    this.eta = new RunPace(run.config, run.plan, run.fromStep);
    this.io.err(startLine(run));
    this.bar.start(run.config.steps, run.fromStep, { loss: this.last.loss, acc: this.last.acc, rate: "…", etaText: "…" });
    this.started = true;
  }
  progress(progress: Progress) {
    const eta = this.eta.update(progress).etaSeconds;
    const p = progress.point;
    if (p) this.last = { loss: `train ${divergible(p.trainLoss, (x) => x.toExponential(2))} test ${divergible(p.testLoss, (x) => x.toExponential(2))}`, acc: `train ${p.trainAccuracy.toFixed(3)} test ${p.testAccuracy.toFixed(3)}` };
    this.bar.update(progress.step, { ...this.last, rate: progress.stepsPerSecond.toFixed(1), etaText: formatDuration(eta) });
  }
  checkpoint(step: number, file: string) {
    this.bar.update({ etaText: `… (checkpoint at step ${step}: ${file})` });
  }
  done(result: RunResult, outFile?: string) {
    this.close();
    for (const line of formatSummary(result)) this.io.out(line);
    if (outFile) this.io.out(`result written to ${outFile}`);
  }
  close() {
    if (!this.started) return;
    this.started = false;
    this.bar.stop();
  }
}

/** --json: one JSON object per line — start, eval (every evaluation), checkpoint, done. */
class JsonDisplay implements TrainDisplay {
  private eta!: RunPace;
  constructor(private readonly io: CliIo) {}
  private emit(event: string, fields: Record<string, unknown>) {
    this.io.out(JSON.stringify({ event, ...fields }));
  }
  start({ config, plan, threads, fromStep }: RunStart) {
    this.eta = new RunPace(config, plan, fromStep);
    this.emit("start", { steps: config.steps, fromStep, threads, parameterCount: plan.parameterCount, evaluations: plan.evaluations, flopsPerStep: plan.flops.perStep, flopsPerRun: plan.flops.perRun, config });
  }
  progress(progress: Progress) {
    const eta = this.eta.update(progress).etaSeconds;
    if (progress.point) this.emit("eval", { ...progress.point, steps: progress.steps, stepsPerSecond: progress.stepsPerSecond, etaSeconds: eta });
  }
  checkpoint(step: number, file: string) {
    this.emit("checkpoint", { step, file });
  }
  done(result: RunResult, outFile?: string) {
    this.emit("done", { summary: result.summary, meta: result.meta, ...(outFile ? { out: outFile } : {}) });
  }
  close() {}
}

export function createTrainDisplay(io: CliIo, json: boolean): TrainDisplay {
  if (json) return new JsonDisplay(io);
  return io.terminal ? new BarDisplay(io, io.terminal) : new LineDisplay(io);
}
