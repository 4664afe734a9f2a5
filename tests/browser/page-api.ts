/** What the test page (page-entry.ts, bundled for the browser) puts on `window`. */
import type { RunResult } from "../../src/config/run-result.js";

export type PageTrain = (config: unknown) => Promise<RunResult>;
export type PageTrainInBackground = (config: unknown, threads: number, coordinatorPath?: string) => Promise<RunResult>;

declare global {
  interface Window {
    grokedgeTrain: PageTrain;
    grokedgeTrainInBackground: PageTrainInBackground;
    grokedgeAbortInBackground: (config: unknown) => Promise<string>;
  }
}
