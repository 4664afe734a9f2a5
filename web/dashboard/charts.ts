/**
 * The page's uPlot charts, one per name ("lu", "trajectories", "overlay"), re-created when their
 * data changes. They are also published as `window.grokedgeDashboard.charts` so that the browser
 * tests (and a researcher in the console) read exactly what is drawn: `charts.lu.data` is uPlot's
 * data array, `charts.lu.series[i].label` each series' label.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export type ChartName = "lu" | "trajectories" | "overlay";

const charts: Partial<Record<ChartName, uPlot>> = {};
(window as unknown as { grokedgeDashboard: { charts: typeof charts } }).grokedgeDashboard = { charts };

/** Colours for runs (Okabe & Ito, then darker tones), distinguishable with colour-blindness. */
const RUN_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#7f6d00", "#6a3d9a", "#8c510a"];

export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length];
}

/** Draws `options` with `data` in `container`, replacing that name's previous chart. */
export function mountChart(name: ChartName, container: HTMLElement, options: Omit<uPlot.Options, "width" | "height">, data: uPlot.AlignedData): uPlot {
  removeChart(name, container);
  const width = Math.max(320, Math.floor(container.getBoundingClientRect().width || 640));
  const chart = new uPlot({ width, height: 320, ...options }, data, container);
  charts[name] = chart;
  return chart;
}

export function removeChart(name: ChartName, container: HTMLElement): void {
  charts[name]?.destroy();
  delete charts[name];
  container.replaceChildren();
}
