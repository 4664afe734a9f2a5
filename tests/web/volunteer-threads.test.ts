/** The volunteer page's thread count (web/volunteer/threads.ts): the choices, the default and the remembered choice. */
import { describe, expect, it } from "vitest";
import { chosenThreads, DEFAULT_THREADS_CAP, defaultThreads, MAX_PAGE_THREADS, threadChoices } from "../../web/volunteer/threads.js";

describe("the page's thread count", () => {
  it("offers 1 up to the cores (at most MAX_PAGE_THREADS) when isolated, and only 1 when not", () => {
    expect(threadChoices(4, true)).toEqual([1, 2, 3, 4]);
    expect(threadChoices(1, true)).toEqual([1]);
    expect(threadChoices(128, true)).toHaveLength(MAX_PAGE_THREADS);
    expect(threadChoices(8, false)).toEqual([1]);
  });

  it("defaults to every core but one, at least 1, at most the cap", () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((cores) => defaultThreads(cores, true))).toEqual([1, 1, 2, 3, 4, DEFAULT_THREADS_CAP, DEFAULT_THREADS_CAP]);
    expect(DEFAULT_THREADS_CAP).toBe(4);
    expect(defaultThreads(8, false)).toBe(1);
  });

  it("keeps a remembered choice still on offer, else falls back to the default", () => {
    expect(chosenThreads("4", 8, true)).toBe(4);
    expect(chosenThreads("8", 8, true)).toBe(8);
    expect(chosenThreads(null, 8, true)).toBe(4);
    // Another machine, or the page lost its isolation: the old choice is not on offer.
    expect(chosenThreads("12", 8, true)).toBe(4);
    expect(chosenThreads("3", 8, false)).toBe(1);
    for (const junk of ["", "0", "2.5", "two", "-1"]) expect(chosenThreads(junk, 8, true)).toBe(4);
  });
});
