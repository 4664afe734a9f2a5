/**
 * The LU view (Omnigrok): final train and test loss against final weight norm, one point per run
 * (train loss traces the "L", test loss the "U"), and each run's trajectory through the (weight
 * norm, loss) plane coloured by its phase; log-log axes. Both uPlot charts use its faceted mode
 * (mode 2: each series its own x and y arrays), since weight norm is no ordered x axis. A table
 * below gives the same numbers to screen readers and for copying.
 */
import uPlot from "uplot";
import { PHASES } from "../../worker/src/aggregate/phases.js";
import type { PhaseThresholds } from "../../worker/src/schema.js";
import { formatNumber } from "./cell-appearance.js";
import { logAxis, paddedLogRange } from "./chart-scales.js";
import { mountChart, removeChart } from "./charts.js";
import { PHASE_COLOURS } from "./colour-scale.js";
import { el } from "./dom.js";
import { luScatter, runLabel, trajectories, type LossKind } from "./lu-series.js";
import type { Run } from "./types.js";

const LOSS_COLOURS: Record<LossKind, string> = { train: "#0072b2", test: "#d55e00" };

export interface LuElements {
  scatter: HTMLElement;
  trajectories: HTMLElement;
  trajectoryLegend: HTMLElement;
  note: HTMLElement;
  table: HTMLTableElement;
}

const DOTS = uPlot.paths.points!();

const logScales = { x: { time: false, distr: 3, range: paddedLogRange }, y: { distr: 3, range: paddedLogRange } } satisfies uPlot.Options["scales"];

export function renderLuView(elements: LuElements, runs: readonly Run[], trajectoryLoss: LossKind, thresholds: PhaseThresholds): void {
  if (runs.length === 0) {
    removeChart("lu", elements.scatter);
    removeChart("trajectories", elements.trajectories);
    elements.scatter.append(el("p", { class: "muted", text: "No validated runs yet: the LU view appears as units are validated." }));
    elements.trajectoryLegend.replaceChildren();
    elements.note.textContent = "";
    elements.table.replaceChildren();
    return;
  }
  const scatter = luScatter(runs);
  mountChart(
    "lu",
    elements.scatter,
    {
      mode: 2,
      title: "Final loss against final weight norm, one point per run",
      scales: logScales,
      axes: [logAxis("final weight norm"), logAxis("final loss")],
      legend: { live: false },
      series: [
        {},
        ...scatter.series.map((s) => ({
          label: s.label,
          stroke: LOSS_COLOURS[s.loss],
          // Deterministic runs solid, GPU (approximate) runs hollow.
          fill: s.backend === "wasm-simd" ? LOSS_COLOURS[s.loss] : "#ffffff",
          width: 2,
          // In faceted mode the series' own path must draw the dots (uPlot draws `points` only in aligned mode).
          paths: DOTS,
          points: { show: false, size: 9, width: 2 },
        })),
      ],
    },
    [null, ...scatter.series.map((s) => [s.weightNorms, s.losses])] as unknown as uPlot.AlignedData,
  );

  const paths = trajectories(runs, trajectoryLoss, thresholds);
  mountChart(
    "trajectories",
    elements.trajectories,
    {
      mode: 2,
      title: `Each run's ${trajectoryLoss} loss against its weight norm during training`,
      scales: logScales,
      axes: [logAxis("weight norm"), logAxis(`${trajectoryLoss} loss`)],
      legend: { show: false },
      series: [
        {},
        ...paths.map((t) => ({ label: t.label, stroke: PHASE_COLOURS[t.phase], width: 1.5, dash: t.run.backend === "wasm-simd" ? undefined : [5, 4], points: { show: false } })),
      ],
    },
    [null, ...paths.map((t) => [t.weightNorms, t.losses])] as unknown as uPlot.AlignedData,
  );
  const present = PHASES.filter((phase) => paths.some((t) => t.phase === phase));
  elements.trajectoryLegend.replaceChildren(
    ...present.map((phase) => el("span", { class: "swatch-item" }, el("span", { class: "line-swatch", style: `background:${PHASE_COLOURS[phase]}`, "aria-hidden": "true" }), `${phase} (${paths.filter((t) => t.phase === phase).length})`)),
    ...(runs.some((r) => r.backend !== "wasm-simd") ? [el("span", { class: "swatch-item", text: "dashed: GPU runs (tfjs-webgpu)" })] : []),
  );
  const leftOut = scatter.omitted + paths.reduce((n, t) => n + t.omitted, 0);
  elements.note.textContent = `${runs.length} runs.${leftOut > 0 ? ` ${leftOut} points with a loss or norm of 0 or below are left out (log axes).` : ""}`;
  renderTable(elements.table, runs);
}

function renderTable(table: HTMLTableElement, runs: readonly Run[]): void {
  const headers = ["run", "backend", "status", "final weight norm", "final train loss", "final test loss"];
  table.replaceChildren(
    el("caption", { text: "The LU view's points" }),
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      ...runs.map((run) =>
        el(
          "tr",
          { "data-unit-id": run.unitId },
          el("th", { scope: "row", text: runLabel(run) }),
          el("td", { text: run.backend }),
          el("td", { text: run.status }),
          ...[run.summary.final.weightNorm, run.summary.final.trainLoss, run.summary.final.testLoss].map((v) => el("td", { class: "num", text: v === null ? "diverged" : formatNumber(v), title: String(v) })),
        ),
      ),
    ),
  );
}
