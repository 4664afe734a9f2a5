/**
 * How many threads a unit trains on: the volunteer's choice among what the browser allows, by
 * default every logical core but one (so the machine stays usable while it trains), at least one.
 */

/** The default never asks for more than this: a work unit is small, and a volunteer who wants more can choose it. */
export const DEFAULT_THREADS_CAP = 4;
/** The most the page offers, however many cores the browser reports. */
export const MAX_PAGE_THREADS = 16;

/**
 * The thread counts to offer: 1 up to the cores (at most MAX_PAGE_THREADS); only 1 when the page
 * is not cross-origin isolated, since the thread pool shares memory (SharedArrayBuffer).
 */
export function threadChoices(cores: number, isolated: boolean): number[] {
  const most = isolated ? Math.max(1, Math.min(MAX_PAGE_THREADS, Math.floor(cores))) : 1;
  return Array.from({ length: most }, (_, i) => i + 1);
}

/** Every core but one, at least 1, at most DEFAULT_THREADS_CAP, and among the choices. */
export function defaultThreads(cores: number, isolated: boolean): number {
  const choices = threadChoices(cores, isolated);
  return Math.min(choices.length, DEFAULT_THREADS_CAP, Math.max(1, Math.floor(cores) - 1));
}

/** The remembered choice if it is still on offer (same browser, other machine or other headers: maybe not), else the default. */
export function chosenThreads(remembered: string | null, cores: number, isolated: boolean): number {
  const value = Number(remembered);
  return remembered !== null && threadChoices(cores, isolated).includes(value) ? value : defaultThreads(cores, isolated);
}
