/**
 * This browser's results and their verdicts (GET /api/clients/me/results): a counts line and a
 * table, newest first. Verdicts change as other volunteers report, so the page polls: often while
 * a result is still waiting, rarely once all are settled.
 */
import type { ClientResult } from "../../src/client/volunteer-api.js";
import { summarizeVerdicts, verdictOf } from "./wording.js";

/** The API lists at most this many (the newest). */
export const MAX_LISTED_RESULTS = 100;
/** Poll this often while a result awaits its verdict… */
export const PENDING_POLL_MS = 10_000;
/** …and this often once every verdict is in. */
export const SETTLED_POLL_MS = 120_000;

const BACKEND_WORDS: Record<string, string> = { "wasm-simd": "processor", "tfjs-webgpu": "graphics card", "tfjs-wasm": "processor (TensorFlow.js)" };

/** Shows the results; returns when to ask again. */
export function showResults(results: readonly ClientResult[]): number {
  const summary = document.getElementById("verdict-summary");
  const table = document.getElementById("verdicts") as HTMLTableElement | null;
  if (!summary || !table) throw new Error("the page has no #verdict-summary or #verdicts");
  // Unchanged text is left alone, so that the live region announces only news.
  const text = summarizeVerdicts(results, results.length >= MAX_LISTED_RESULTS);
  if (summary.textContent !== text) summary.textContent = text;
  table.hidden = results.length === 0;
  table.tBodies[0].replaceChildren(
    ...results.map((result) => {
      const verdict = verdictOf(result);
      const row = document.createElement("tr");
      row.dataset.unit = result.unitId;
      for (const text of [new Date(result.createdAt).toLocaleString(), result.sweepName, result.unitId.slice(0, 8), BACKEND_WORDS[result.backend] ?? result.backend]) row.insertCell().textContent = text;
      const cell = row.insertCell();
      cell.className = `verdict-${verdict.kind}`;
      const detail = document.createElement("span");
      detail.className = "help";
      detail.textContent = verdict.detail;
      cell.append(verdict.label, document.createElement("br"), detail);
      return row;
    }),
  );
  return results.some((result) => verdictOf(result).kind === "pending") ? PENDING_POLL_MS : SETTLED_POLL_MS;
}
