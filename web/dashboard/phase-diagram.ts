/**
 * The phase diagram: a table whose cells are buttons, one per grid point of the chosen slice, y
 * increasing upward. Each button is coloured by the colour mode, says its phase or value, carries
 * its data (data-cell, data-phase, data-seeds, data-validated, data-state, and in a metric mode
 * data-median, data-min, data-max, data-n) and describes the seeds' spread to hover, focus and screen
 * readers. Arrow keys move between cells (one tab stop for the grid); Enter or a click selects one.
 */
import type { CellAggregate } from "../../worker/src/aggregate/cells.js";
import { PHASES } from "../../worker/src/aggregate/phases.js";
import { cellAppearance, COLOUR_MODES, formatNumber, type ColourMode } from "./cell-appearance.js";
import { NEVER_COLOUR, NO_DATA_COLOUR, PHASE_COLOURS, viridisGradient, type LogScale } from "./colour-scale.js";
import { el } from "./dom.js";
import { cellKey, type HeatmapLayout } from "./heatmap-layout.js";
import type { AxisValue, SweepAxis, UnitCounts } from "./types.js";

export interface DiagramInput {
  axes: readonly SweepAxis[];
  layout: HeatmapLayout;
  /** The values the other axes are held at (AxisChoice.fixed). */
  fixed: readonly AxisValue[];
  mode: ColourMode;
  scale: LogScale | null;
  /** Unit counts by state per cell (cellKey), when the units are known. */
  progress: ReadonlyMap<string, UnitCounts>;
  /** cellKey of the selected cell. */
  selected: string | null;
}

export function renderPhaseDiagram(table: HTMLTableElement, tooltip: HTMLElement, input: DiagramInput, onSelect: (cell: CellAggregate) => void): void {
  const { axes, layout, mode, progress, selected } = input;
  const paths = axes.map((axis) => axis.path);
  const xName = layout.x === null ? "" : axes[layout.x].path;
  const yName = layout.y === null ? "" : axes[layout.y].path;
  const corner = el("th", { scope: "col", class: "corner" }, el("span", { text: yName ? `${yName} ↑` : "" }), el("br"), el("span", { text: xName ? `${xName} →` : "" }));
  const head = el("thead", {}, el("tr", {}, corner, ...layout.columns.map((value) => el("th", { scope: "col", text: value === null ? "" : String(value) }))));
  const buttons: HTMLButtonElement[][] = [];
  // Rows in reverse, so that the y axis's values increase upward as on a plot.
  const rowOrder = layout.rows.map((_, i) => i).reverse();
  const body = el(
    "tbody",
    {},
    ...rowOrder.map((r) => {
      const rowButtons: HTMLButtonElement[] = [];
      buttons.push(rowButtons);
      const cells = layout.columns.map((column, c) => {
        const cell = layout.cells[r][c];
        if (!cell) return el("td", { class: "missing", text: "no units" });
        const button = cellButton(cell, progress.get(cellKey(cell.cell)), input, paths, layout.columns[c], layout.rows[r]);
        button.setAttribute("aria-pressed", String(cellKey(cell.cell) === selected));
        button.addEventListener("click", () => onSelect(cell));
        wireTooltip(button, tooltip);
        rowButtons.push(button);
        return el("td", {}, button);
      });
      return el("tr", {}, el("th", { scope: "row", text: layout.rows[r] === null ? "" : String(layout.rows[r]) }), ...cells);
    }),
  );
  wireArrowKeys(buttons, selected);
  const fixed = axes.flatMap((axis, i) => (i === layout.x || i === layout.y ? [] : [`${axis.path} = ${String(input.fixed[i])}`]));
  const caption = `Phase diagram, coloured by ${COLOUR_MODES[mode]}${fixed.length ? `; ${fixed.join(", ")}` : ""}. Select a cell to overlay its runs' curves.`;
  table.replaceChildren(el("caption", { text: caption }), head, body);
}

function cellButton(cell: CellAggregate, counts: UnitCounts | undefined, input: DiagramInput, paths: string[], x: unknown, y: unknown): HTMLButtonElement {
  const look = cellAppearance(cell, counts, input.mode, input.scale, paths);
  const metric = look.metric;
  return el(
    "button",
    {
      type: "button",
      class: `cell ${look.state}`,
      style: `background:${look.fill};color:${look.textColour}`,
      "data-cell": JSON.stringify(cell.cell),
      "data-x": x === null ? null : JSON.stringify(x),
      "data-y": y === null ? null : JSON.stringify(y),
      "data-phase": cell.phase ?? "",
      "data-seeds": cell.seeds,
      "data-validated": cell.validated,
      "data-state": look.state,
      "data-fill": look.fill,
      "data-median": metric?.median,
      "data-min": metric?.min,
      "data-max": metric?.max,
      "data-n": metric?.n,
    },
    el("span", { "aria-hidden": "true", text: look.text }),
    el("span", { class: "visually-hidden", text: look.description }),
  );
}

/** The shared tooltip shows the hovered or focused cell's description beside it. */
function wireTooltip(button: HTMLButtonElement, tooltip: HTMLElement): void {
  const show = () => {
    tooltip.textContent = button.querySelector(".visually-hidden")?.textContent ?? "";
    const box = button.getBoundingClientRect();
    tooltip.style.left = `${Math.round(box.left + window.scrollX)}px`;
    tooltip.style.top = `${Math.round(box.bottom + window.scrollY + 4)}px`;
    tooltip.hidden = false;
  };
  const hide = () => (tooltip.hidden = true);
  button.addEventListener("pointerenter", show);
  button.addEventListener("focus", show);
  button.addEventListener("pointerleave", hide);
  button.addEventListener("blur", hide);
}

/** One tab stop (the selected cell, else the first); arrows, Home and End move focus between cells. */
function wireArrowKeys(rows: HTMLButtonElement[][], selected: string | null): void {
  const all = rows.flat();
  const start = all.find((b) => b.dataset.cell === selected) ?? all[0];
  for (const button of all) button.tabIndex = button === start ? 0 : -1;
  rows.forEach((row, r) =>
    row.forEach((button, c) =>
      button.addEventListener("keydown", (event) => {
        const moves: Record<string, [number, number]> = { ArrowLeft: [r, c - 1], ArrowRight: [r, c + 1], ArrowUp: [r - 1, c], ArrowDown: [r + 1, c], Home: [r, 0], End: [r, row.length - 1] };
        const to = moves[event.key];
        const target = to && rows[to[0]]?.[to[1]];
        if (!target) return;
        event.preventDefault();
        button.tabIndex = -1;
        target.tabIndex = 0;
        target.focus();
      }),
    ),
  );
}

/** The legend: phase swatches, or the log scale's gradient with its ticks; and the special fills. */
export function renderLegend(legend: HTMLElement, mode: ColourMode, scale: LogScale | null): void {
  const swatch = (fill: string, label: string, extra = "") => el("span", { class: "swatch-item" }, el("span", { class: `swatch ${extra}`, style: `background:${fill}`, "aria-hidden": "true" }), label);
  const special = [swatch(NO_DATA_COLOUR, "no validated run yet"), swatch("#ffffff", "still running (dashed border; validated/seeds shown)", "running")];
  if (mode === "phase") {
    legend.replaceChildren(el("div", { class: "swatches" }, ...PHASES.map((phase) => swatch(PHASE_COLOURS[phase], phase)), ...special));
    return;
  }
  const bar = el("div", { class: "gradient", style: `background:${viridisGradient()}`, "aria-hidden": "true" });
  const ticks = el("div", { class: "ticks", "aria-hidden": "true" });
  if (scale) {
    for (const tick of scale.ticks()) {
      const label = tick === scale.lo && scale.clampedBelow ? `≤ ${formatNumber(tick)}` : formatNumber(tick);
      ticks.append(el("span", { style: `left:${(100 * scale.position(tick)).toFixed(2)}%`, text: label }));
    }
  }
  const description = scale ? `${COLOUR_MODES[mode]}: from ${formatNumber(scale.lo)} (dark purple) to ${formatNumber(scale.hi)} (yellow)` : `${COLOUR_MODES[mode]}: no validated run reached it yet`;
  legend.replaceChildren(el("p", { text: description }), bar, ticks, el("div", { class: "swatches" }, swatch(NEVER_COLOUR, "never reached by any validated seed"), ...special));
}
