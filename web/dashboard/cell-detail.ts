/**
 * The selected cell's runs: a table (seed, backend, status, final accuracies, steps to generalize,
 * params hash) where each validated run has a "Re-verify in your browser" button. Its verdict goes
 * to the run's row (`data-verdict` "match" or "mismatch" on the row, the text in a live region).
 * One re-verification runs at a time: the buttons are disabled meanwhile, those of a table drawn
 * anew during it too.
 */
import type { RunConfig } from "../../src/config/run-config.js";
import { el, errorText } from "./dom.js";
import { reverify } from "./reverify.js";
import type { Run } from "./types.js";

/** A re-verification is under way (across redraws of the table). */
let busy = false;

export function renderCellRuns(table: HTMLTableElement, runs: readonly Run[], configOf: (unitId: string) => RunConfig | undefined): void {
  const headers = ["seed", "backend", "status", "train acc.", "test acc.", "generalization step", "params hash", "re-verify"];
  const rows = runs.map((run) => {
    const verdict = el("span", { class: "verdict", "aria-live": "polite" });
    const row = el(
      "tr",
      { "data-unit-id": run.unitId, "data-result-id": run.resultId, "data-status": run.status },
      el("th", { scope: "row", text: run.seed }),
      el("td", { text: run.backend }),
      el("td", { text: run.status }),
      el("td", { class: "num", text: run.summary.final.trainAccuracy.toFixed(3) }),
      el("td", { class: "num", text: run.summary.final.testAccuracy.toFixed(3) }),
      el("td", { class: "num", text: run.summary.generalizationStep ?? "never" }),
      el("td", {}, el("code", { title: run.paramsHash, text: `${run.paramsHash.slice(0, 12)}…` })),
    );
    const cell = el("td");
    if (run.status === "valid") {
      const button = el("button", { type: "button", class: "reverify", disabled: busy, text: "Re-verify in your browser" });
      button.addEventListener("click", () => void reverifyRow(run, row, verdict));
      cell.append(button, " ", verdict);
    } else cell.append(el("span", { class: "muted", text: "approximate (GPU) runs are not bitwise reproducible" }));
    row.append(cell);
    return row;
  });

  async function reverifyRow(run: Run, row: HTMLElement, verdict: HTMLElement): Promise<void> {
    const config = configOf(run.unitId);
    if (!config) {
      verdict.textContent = `The unit ${run.unitId}'s config is not loaded (the units list failed: see the error above); refresh to retry.`;
      return;
    }
    const setBusy = (value: boolean) => {
      busy = value;
      table.querySelectorAll<HTMLButtonElement>("button.reverify").forEach((b) => (b.disabled = value));
    };
    setBusy(true);
    row.removeAttribute("data-verdict");
    verdict.textContent = "Loading the engine…";
    // Progress reports cross from the worker asynchronously: one may land after the run resolved.
    let finished = false;
    try {
      const outcome = await reverify(
        config,
        run.paramsHash,
        ({ step, steps }) => {
          if (!finished) verdict.textContent = `Training here: step ${step} / ${steps}…`;
        },
        undefined,
        run.summary.resultDigest,
      );
      const how = `${outcome.seconds.toFixed(1)} s on ${outcome.threads} thread${outcome.threads === 1 ? "" : "s"} (${outcome.build ?? "?"})`;
      verdict.textContent = outcome.matches
        ? `✓ Matches: this browser computed the validated hash ${outcome.computed.slice(0, 12)}… (${how}).`
        : outcome.computed !== outcome.published
          ? `✗ Mismatch: this browser computed ${outcome.computed}, but the published hash is ${outcome.published} (${how}).`
          : `✗ Mismatch: the parameters' hash matches, but the published curves are not this browser's run's (its result digest differs) (${how}).`;
      row.dataset.verdict = outcome.matches ? "match" : "mismatch";
    } catch (error) {
      verdict.textContent = `Training failed: ${errorText(error)}`;
      row.dataset.verdict = "error";
    } finally {
      finished = true;
      setBusy(false);
    }
  }

  table.replaceChildren(
    el("caption", { text: "This cell's runs" }),
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows),
  );
}
