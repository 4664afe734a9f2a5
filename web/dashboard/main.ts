/**
 * The researcher dashboard (/dashboard): the page's state and wiring. It lists the sweeps with
 * their units by state; for the open sweep (#sweep=<id> in the address) it shows the phase diagram
 * over two chosen grid axes, the selected cell's runs with their curves overlaid and a re-verify
 * button per validated run, the LU view, and the download links. Data: GET /api/sweeps, /:id,
 * /:id/aggregates, /:id/runs (?include=approximate when GPU runs are shown) and /:id/units.
 *
 * For tests and the console, the drawn charts are `window.grokedgeDashboard.charts` (charts.ts), and
 * #sweep-view gets data-sweep-id and data-state="ready" once a sweep's views are drawn.
 */
import type { CellAggregate } from "../../worker/src/aggregate/cells.js";
import { downloadLinks, getAggregates, getRuns, getSweep, getUnits, listSweeps, OPENAPI_PATH } from "./api.js";
import { scaleFor, type ColourMode } from "./cell-appearance.js";
import { renderCellRuns } from "./cell-detail.js";
import { cellProgress } from "./cell-progress.js";
import { removeChart } from "./charts.js";
import { renderOverlay } from "./curve-overlay.js";
import { CURVE_METRICS, type CurveMetric } from "./curve-series.js";
import { renderDiagramControls } from "./diagram-controls.js";
import { byId, el, errorText } from "./dom.js";
import { cellKey, defaultChoice, layoutHeatmap, type AxisChoice } from "./heatmap-layout.js";
import type { LossKind } from "./lu-series.js";
import { renderLuView } from "./lu-view.js";
import { renderLegend, renderPhaseDiagram } from "./phase-diagram.js";
import { renderSweepsList } from "./sweeps-list.js";
import type { AggregatesReply, Run, SweepDetail, SweepSummary, UnitCounts, UnitListing } from "./types.js";

const SWEEPS_REFRESH_MS = 30_000;
const RESIZE_DEBOUNCE_MS = 200;

interface OpenSweep {
  sweep: SweepDetail;
  aggregates: AggregatesReply;
  runs: Run[];
  /** null when the units could not be loaded (progress then comes from the aggregates alone). */
  units: UnitListing[] | null;
  progress: Map<string, UnitCounts>;
  choice: AxisChoice;
  mode: ColourMode;
  /** cellKey of the selected cell. */
  selected: string | null;
}

let sweeps: SweepSummary[] = [];
let open: OpenSweep | null = null;
/** Each load takes a ticket; a load that is no longer the latest drops its result. */
let ticket = 0;
const view = {
  includeGpu: false,
  trajectoryLoss: "test" as LossKind,
  curveMetric: "accuracy" as CurveMetric,
};

function showError(context: string, error: unknown): void {
  console.error(context, error);
  byId("errors").textContent = `${new Date().toLocaleTimeString()} — ${context}: ${errorText(error)}`;
}

function sweepIdInAddress(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get("sweep");
}

/** What the sweeps table shows now: redrawn only when it changes, so a periodic refresh keeps the focus. */
let listShown = "";

function showSweeps(selectedId: string | null): void {
  const shown = JSON.stringify([sweeps, selectedId]);
  if (shown === listShown) return;
  listShown = shown;
  renderSweepsList(byId<HTMLTableElement>("sweeps"), sweeps, selectedId, (id) => void openSweep(id));
}

async function refreshSweeps(): Promise<void> {
  try {
    sweeps = await listSweeps();
    showSweeps(open?.sweep.id ?? null);
  } catch (error) {
    showError("the sweeps list", error);
  }
}

/** Loads a sweep's views; `keep` keeps the axis choice, colour mode and selected cell (a refresh). */
async function openSweep(id: string, keep = false): Promise<void> {
  const mine = ++ticket;
  const section = byId("sweep-view");
  section.hidden = false;
  section.setAttribute("aria-busy", "true");
  section.dataset.state = "loading";
  history.replaceState(null, "", `#sweep=${encodeURIComponent(id)}`);
  showSweeps(id);
  try {
    // The sweep first: an unknown id is then one clear error, not a race of four 404s.
    const sweep = await getSweep(id);
    const [aggregates, runs, units] = await Promise.all([
      getAggregates(id),
      getRuns(id, view.includeGpu),
      getUnits(id).catch((error: unknown) => (showError("the sweep's units (cells' progress and re-verify configs)", error), null)),
    ]);
    if (mine !== ticket) return;
    const previous = keep && open?.sweep.id === id ? open : null;
    open = {
      sweep,
      aggregates,
      runs,
      units,
      progress: units ? cellProgress(units, Date.now()) : new Map(),
      choice: previous?.choice ?? defaultChoice(sweep.axes),
      mode: previous?.mode ?? "phase",
      selected: previous?.selected ?? null,
    };
    renderSweep();
    section.dataset.sweepId = id;
    section.dataset.state = "ready";
  } catch (error) {
    if (mine === ticket) {
      section.dataset.state = "error";
      showError(`sweep ${id}`, error);
    }
  } finally {
    if (mine === ticket) section.removeAttribute("aria-busy");
  }
}

function renderSweep(): void {
  if (!open) return;
  const { sweep } = open;
  byId("sweep-title").textContent = sweep.name;
  const axes = sweep.axes.map((axis) => `${axis.path} (${axis.values.map(String).join(", ")})`).join(" × ") || "no axes";
  const t = sweep.phase;
  byId("sweep-meta").textContent =
    `${sweep.units} units: ${axes} × seeds ${sweep.seeds.join(", ")}; quorum ${sweep.quorum}; GPU replicas ${sweep.gpuReplicas ?? 0}. ` +
    `Phases: fitted at train accuracy ≥ ${t.trainAccuracy}, generalized at test accuracy ≥ ${t.testAccuracy}, grokking when generalization comes more than ${t.grokkingDelay} steps after memorization.`;
  byId("downloads").replaceChildren(
    ...downloadLinks(sweep.id).map((link) => el("a", { href: link.href, download: link.file, text: link.label })),
    el("a", { href: OPENAPI_PATH, text: "OpenAPI document" }),
  );
  renderDiagram();
  renderCell();
  renderLu();
}

function renderDiagram(): void {
  if (!open) return;
  const { sweep, aggregates, choice, mode } = open;
  const scale = scaleFor(aggregates.cells, mode);
  renderDiagramControls(byId("diagram-controls"), sweep.axes, choice, mode, (nextChoice, nextMode) => {
    open = open && { ...open, choice: nextChoice, mode: nextMode };
    renderDiagram();
  });
  renderLegend(byId("legend"), mode, scale);
  renderPhaseDiagram(
    byId<HTMLTableElement>("phase-diagram"),
    byId("cell-tooltip"),
    { axes: sweep.axes, layout: layoutHeatmap(sweep.axes, aggregates.cells, choice), fixed: choice.fixed, mode, scale, progress: open.progress, selected: open.selected },
    selectCell,
  );
}

function selectCell(cell: CellAggregate): void {
  if (!open) return;
  open = { ...open, selected: cellKey(cell.cell) };
  renderDiagram();
  renderCell();
  // The diagram was drawn anew: the focus goes back to the cell just selected.
  byId("phase-diagram").querySelector<HTMLButtonElement>('button.cell[aria-pressed="true"]')?.focus();
}

function renderCell(): void {
  const section = byId("cell-detail");
  const chart = byId("overlay-chart");
  if (!open || open.selected === null) {
    section.hidden = true;
    removeChart("overlay", chart);
    return;
  }
  const { sweep, units, selected } = open;
  const cellValues = JSON.parse(selected) as unknown[];
  const runsOfCell = runsOf(selected);
  section.hidden = false;
  section.dataset.cell = selected;
  byId("cell-title").textContent = sweep.axes.length > 0 ? `Cell ${sweep.axes.map((axis, i) => `${axis.path} = ${String(cellValues[i])}`).join(", ")}` : "The sweep's cell";
  drawCellCurves();
  const configs = new Map((units ?? []).map((unit) => [unit.id, unit.config]));
  renderCellRuns(byId<HTMLTableElement>("cell-runs"), runsOfCell, (unitId) => configs.get(unitId));
}

function runsOf(cell: string): Run[] {
  return open ? open.runs.filter((run) => cellKey(run.cell) === cell) : [];
}

/** The selected cell's curves only (its runs table, with any re-verification under way, stays). */
function drawCellCurves(): void {
  if (open?.selected) renderOverlay(byId("overlay-chart"), runsOf(open.selected), view.curveMetric);
}

function renderLu(): void {
  if (!open) return;
  renderLuView(
    { scatter: byId("lu-chart"), trajectories: byId("trajectory-chart"), trajectoryLegend: byId("trajectory-legend"), note: byId("lu-note"), table: byId<HTMLTableElement>("lu-table") },
    open.runs,
    view.trajectoryLoss,
    open.aggregates.thresholds,
  );
}

/** Shows or hides the GPU (approximate) runs: the runs are fetched again with or without them. */
async function setIncludeGpu(include: boolean): Promise<void> {
  view.includeGpu = include;
  if (!open) return;
  const mine = ++ticket;
  const section = byId("sweep-view");
  section.dataset.state = "loading";
  try {
    const runs = await getRuns(open.sweep.id, include);
    if (mine !== ticket || !open) return;
    open = { ...open, runs };
    renderCell();
    renderLu();
    section.dataset.state = "ready";
  } catch (error) {
    if (mine === ticket) {
      section.dataset.state = "error";
      showError("the sweep's runs", error);
    }
  }
}

function start(): void {
  window.addEventListener("error", (event) => showError("page", event.error ?? event.message));
  window.addEventListener("unhandledrejection", (event) => showError("page", event.reason));
  const gpu = byId<HTMLInputElement>("include-gpu");
  gpu.checked = view.includeGpu;
  gpu.addEventListener("change", () => void setIncludeGpu(gpu.checked));
  const loss = byId<HTMLSelectElement>("trajectory-loss");
  loss.value = view.trajectoryLoss;
  loss.addEventListener("change", () => {
    view.trajectoryLoss = loss.value as LossKind;
    renderLu();
  });
  const metric = byId<HTMLSelectElement>("curve-metric");
  metric.replaceChildren(...Object.entries(CURVE_METRICS).map(([value, { title }]) => el("option", { value, text: title })));
  metric.value = view.curveMetric;
  metric.addEventListener("change", () => {
    view.curveMetric = metric.value as CurveMetric;
    drawCellCurves();
  });
  byId("refresh").addEventListener("click", () => {
    void refreshSweeps();
    if (open) void openSweep(open.sweep.id, true);
  });
  window.addEventListener("hashchange", () => {
    const id = sweepIdInAddress();
    if (id && id !== open?.sweep.id) void openSweep(id);
  });
  void refreshSweeps().then(() => {
    const id = sweepIdInAddress() ?? sweeps[0]?.id;
    if (id) void openSweep(id);
  });
  setInterval(() => void refreshSweeps(), SWEEPS_REFRESH_MS);
  // Charts are drawn at their container's width: a resized window redraws them.
  let resizing: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      drawCellCurves();
      renderLu();
    }, RESIZE_DEBOUNCE_MS);
  });
}

start();
