/**
 * The overlay of one grid cell's runs' curves against step (log axis): train dashed, test solid,
 * one colour per run, as uPlot's aligned mode (overlayCurves joins the runs' steps).
 */
import type uPlot from "uplot";
import { exactRange, logAxis, paddedLogRange } from "./chart-scales.js";
import { mountChart, removeChart, runColour } from "./charts.js";
import { CURVE_METRICS, overlayCurves, type CurveMetric } from "./curve-series.js";
import { el } from "./dom.js";
import type { Run } from "./types.js";

export function renderOverlay(container: HTMLElement, runs: readonly Run[], metric: CurveMetric): void {
  if (runs.length === 0) {
    removeChart("overlay", container);
    container.append(el("p", { class: "muted", text: "This cell has no validated run yet." }));
    return;
  }
  const overlay = overlayCurves(runs, metric);
  const { title, log } = CURVE_METRICS[metric];
  mountChart(
    "overlay",
    container,
    {
      title: `${title} against step, this cell's runs`,
      scales: { x: { time: false, distr: 3, range: exactRange }, y: log ? { distr: 3, range: paddedLogRange } : metric === "accuracy" ? { range: [0, 1] } : {} },
      axes: [logAxis("step (log; step 0 left out)"), log ? logAxis(`${title} (log)`) : { label: title }],
      series: [
        { label: "step" },
        ...overlay.series.map((s) => ({ label: s.label, stroke: runColour(s.run), width: 2, dash: s.kind === "train" ? [6, 4] : undefined, spanGaps: true })),
      ],
    },
    [overlay.steps, ...overlay.series.map((s) => s.values)] as uPlot.AlignedData,
  );
}
