/**
 * The live charts of the unit in training, drawn with uPlot: train and test accuracy, train and test
 * loss, and the weight norm, each against the step on a log axis. On a log axis grokking shows as
 * it is: train accuracy reaches 1 early, test accuracy follows only orders of magnitude of steps
 * later, while the weight norm shrinks under weight decay. Step 0 (the untrained network) has no
 * place on a log axis: the step axis runs from the first evaluation after it to the unit's last step.
 */
import uPlot from "uplot";
import type { CurvePoint } from "../../src/config/run-result.js";

/** Series colours, each at least 4.5:1 against the white background; test lines are also dashed. */
export const TRAIN_COLOUR = "#1d4ed8";
export const TEST_COLOUR = "#b45309";
const NORM_COLOUR = "#6d28d9";
const HEIGHT = 220;

interface ChartSpec {
  /** The element the chart goes in (its aria-label says what it shows). */
  id: string;
  title: string;
  yLabel: string;
  series: { label: string; colour: string; dashed?: boolean; value: (p: CurvePoint) => number | null }[];
  y: uPlot.Scale;
  format: (value: number) => string;
}

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
const SPECS: ChartSpec[] = [
  {
    id: "chart-accuracy",
    title: "Accuracy",
    yLabel: "share correct",
    series: [
      { label: "train accuracy", colour: TRAIN_COLOUR, value: (p) => p.trainAccuracy },
      { label: "test accuracy", colour: TEST_COLOUR, dashed: true, value: (p) => p.testAccuracy },
    ],
    y: { auto: false, range: [0, 1] },
    format: percent,
  },
  {
    id: "chart-loss",
    title: "Loss (log scale)",
    yLabel: "loss",
    series: [
      { label: "train loss", colour: TRAIN_COLOUR, value: (p) => p.trainLoss },
      { label: "test loss", colour: TEST_COLOUR, dashed: true, value: (p) => p.testLoss },
    ],
    y: { distr: 3, log: 10 },
    format: (v) => v.toPrecision(3),
  },
  {
    id: "chart-norm",
    title: "Weight norm",
    yLabel: "L2 norm of all weights",
    series: [{ label: "weight norm", colour: NORM_COLOUR, value: (p) => p.weightNorm }],
    y: {},
    format: (v) => v.toPrecision(4),
  },
];

export interface UnitCharts {
  /** Empties the charts for a new unit of `steps` steps that evaluates first after `firstStep` steps. */
  reset(steps: number, firstStep: number): void;
  /** Adds one evaluation. */
  add(point: CurvePoint): void;
}

export function createUnitCharts(root: Document = document): UnitCharts {
  let stepRange: [number, number] = [1, 10];
  let points: CurvePoint[] = [];
  const charts = SPECS.map((spec) => {
    const container = root.getElementById(spec.id);
    if (!container) throw new Error(`the page has no #${spec.id} for the ${spec.title} chart`);
    const options: uPlot.Options = {
      width: chartWidth(container),
      height: HEIGHT,
      title: spec.title,
      scales: {
        // The step axis spans the whole unit from the start, so the curves grow left to right.
        x: { time: false, distr: 3, log: 10, auto: false, range: () => stepRange },
        y: spec.y,
      },
      axes: [
        { label: "training step (log scale)", stroke: "#333", grid: { stroke: "#e5e5e5" } },
        { label: spec.yLabel, stroke: "#333", grid: { stroke: "#e5e5e5" }, size: 60, values: (_u, values) => values.map((v) => (v === null ? "" : spec.format(v))) },
      ],
      series: [
        { label: "step" },
        ...spec.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, dash: s.dashed ? [6, 4] : undefined, value: (_u: uPlot, v: number | null) => (v === null ? "–" : spec.format(v)) })),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const chart = new uPlot(options, dataOf(spec, []), container);
    new ResizeObserver(() => chart.setSize({ width: chartWidth(container), height: HEIGHT })).observe(container);
    return { spec, chart };
  });
  const redraw = () => {
    for (const { spec, chart } of charts) chart.setData(dataOf(spec, points));
  };
  return {
    reset(steps, firstStep) {
      const from = Math.max(1, Math.min(firstStep, steps));
      // A log axis needs a span: a unit of one step still gets one decade.
      stepRange = [from, Math.max(steps, from * 10)];
      points = [];
      redraw();
    },
    add(point) {
      if (point.step < 1) return;
      points.push(point);
      redraw();
    },
  };
}

function chartWidth(container: HTMLElement): number {
  return Math.max(280, Math.floor(container.clientWidth));
}

/** uPlot's columns: steps, then each series; a non-positive value cannot sit on the loss chart's log axis. */
function dataOf(spec: ChartSpec, points: readonly CurvePoint[]): uPlot.AlignedData {
  const logY = spec.y.distr === 3;
  // null (a diverged run's loss or norm) is a gap, as is what a log axis cannot place.
  return [points.map((p) => p.step), ...spec.series.map((s) => points.map((p) => {
    const v = s.value(p);
    return v === null || (logY && !(v > 0)) ? null : v;
  }))];
}
