/**
 * The phase diagram's pickers: which grid axes span it (x, y), the value every other axis is held
 * at, and the colour mode. Labelled selects (#axis-x, #axis-y, #fixed-<axis index>, #colour-mode);
 * every change hands the new choice to `onChange`.
 */
import { COLOUR_MODES, type ColourMode } from "./cell-appearance.js";
import { el } from "./dom.js";
import type { AxisChoice } from "./heatmap-layout.js";
import type { SweepAxis } from "./types.js";

export function renderDiagramControls(container: HTMLElement, axes: readonly SweepAxis[], choice: AxisChoice, mode: ColourMode, onChange: (choice: AxisChoice, mode: ColourMode) => void): void {
  const field = (id: string, label: string, select: HTMLSelectElement) => el("div", { class: "field" }, el("label", { for: id, text: label }), select);
  const axisSelect = (id: string, selected: number | null) =>
    el("select", { id }, ...axes.map((axis, i) => el("option", { value: i, selected: i === selected, text: axis.path })));
  const fields: HTMLElement[] = [];

  if (axes.length > 0) {
    const x = axisSelect("axis-x", choice.x);
    x.addEventListener("change", () => {
      const next = Number(x.value);
      // Picking the y axis as x swaps the two.
      onChange({ ...choice, x: next, y: next === choice.y ? choice.x : choice.y }, mode);
    });
    fields.push(field("axis-x", "x axis (columns)", x));
  }
  if (axes.length > 1) {
    const y = axisSelect("axis-y", choice.y);
    y.addEventListener("change", () => {
      const next = Number(y.value);
      onChange({ ...choice, y: next, x: next === choice.x ? choice.y : choice.x }, mode);
    });
    fields.push(field("axis-y", "y axis (rows)", y));
  }
  axes.forEach((axis, i) => {
    if (i === choice.x || i === choice.y) return;
    const id = `fixed-${i}`;
    const select = el("select", { id }, ...axis.values.map((value, v) => el("option", { value: v, selected: JSON.stringify(value) === JSON.stringify(choice.fixed[i]), text: String(value) })));
    select.addEventListener("change", () => {
      const fixed = [...choice.fixed];
      fixed[i] = axis.values[Number(select.value)];
      onChange({ ...choice, fixed }, mode);
    });
    fields.push(field(id, `${axis.path} held at`, select));
  });
  const colour = el("select", { id: "colour-mode" }, ...Object.entries(COLOUR_MODES).map(([value, text]) => el("option", { value, selected: value === mode, text })));
  colour.addEventListener("change", () => onChange(choice, colour.value as ColourMode));
  fields.push(field("colour-mode", "colour", colour));
  container.replaceChildren(...fields);
}
