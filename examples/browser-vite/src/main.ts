// Trains the run config in a Web Worker on 2 threads (the page must be cross-origin isolated),
// showing progress, then the result; `data-result` on <body> holds it as JSON for scripts.
import { trainInBackground } from "grokedge";
import config from "../config.json";

const status = document.querySelector("#status")!;
try {
  const result = await trainInBackground(config, {
    threads: 2,
    onProgress: ({ step, steps }) => (status.textContent = `step ${step}/${steps}`),
  });
  status.textContent = `paramsHash ${result.summary.paramsHash} (${result.meta.threads} threads, ${result.meta.build} build)`;
  document.body.dataset.result = JSON.stringify({ summary: result.summary, meta: result.meta });
} catch (error) {
  status.textContent = `failed: ${String(error)}`;
  document.body.dataset.error = String(error);
}
