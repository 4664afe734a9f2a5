/**
 * The sweeps table: each sweep's units by state (pending, leased, awaiting quorum, validated,
 * failed) as numbers and as a stacked bar, and a button that opens the sweep. Each row carries its
 * counts as data-* attributes (data-sweep-id, data-units, data-validated, …).
 */
import { el } from "./dom.js";
import type { SweepSummary, UnitCounts } from "./types.js";

/** The states in the order a unit moves through them, with their bar colours. */
export const STATES: readonly { key: keyof UnitCounts; label: string; colour: string }[] = [
  { key: "pending", label: "pending", colour: "#d9d9d9" },
  { key: "leased", label: "leased", colour: "#56b4e9" },
  { key: "awaitingQuorum", label: "awaiting quorum", colour: "#e69f00" },
  { key: "validated", label: "validated", colour: "#009e73" },
  { key: "failed", label: "failed", colour: "#d55e00" },
];

export function renderSweepsList(table: HTMLTableElement, sweeps: readonly SweepSummary[], selectedId: string | null, onSelect: (id: string) => void): void {
  const head = el("thead", {}, el("tr", {}, ...["sweep", "created", "units", ...STATES.map((s) => s.label), "progress"].map((h) => el("th", { scope: "col", text: h }))));
  const rows = sweeps.map((sweep) => {
    const open = el("button", { type: "button", class: "link", "aria-pressed": String(sweep.id === selectedId), text: sweep.name });
    open.addEventListener("click", () => onSelect(sweep.id));
    const data: Record<string, string | number> = { "data-sweep-id": sweep.id, "data-units": sweep.units };
    for (const state of STATES) data[`data-${kebab(state.key)}`] = sweep.counts[state.key];
    return el(
      "tr",
      { ...data, class: sweep.id === selectedId ? "selected" : null },
      el("th", { scope: "row" }, open, el("div", { class: "muted small", text: sweep.id })),
      el("td", { text: new Date(sweep.createdAt).toLocaleString() }),
      el("td", { class: "num", text: sweep.units }),
      ...STATES.map((state) => el("td", { class: "num", text: sweep.counts[state.key] })),
      el("td", {}, progressBar(sweep)),
    );
  });
  const body = rows.length > 0 ? el("tbody", {}, ...rows) : el("tbody", {}, el("tr", {}, el("td", { colspan: 9, text: "No sweeps yet (POST /api/sweeps, or grokedge sweep create)." })));
  table.replaceChildren(el("caption", { text: "Sweeps, newest first: units by state" }), head, body);
}

/** The bar repeats the row's numbers, so it is hidden from screen readers. */
function progressBar(sweep: SweepSummary): HTMLElement {
  const bar = el("div", { class: "progress", "aria-hidden": "true", title: STATES.map((s) => `${sweep.counts[s.key]} ${s.label}`).join(", ") });
  for (const state of STATES) {
    const count = sweep.counts[state.key];
    if (count === 0 || sweep.units === 0) continue;
    bar.append(el("span", { style: `width:${(100 * count) / sweep.units}%;background:${state.colour}` }));
  }
  return bar;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
