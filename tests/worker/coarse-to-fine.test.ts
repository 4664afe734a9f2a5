// The coarse-to-fine leasing order (worker/src/coarse-to-fine.ts) as a pure function: exact orders
// written out by hand from the rule, and its properties on random grids. leases.test.ts checks that
// POST /api/leases hands units out in this order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { axisLevels, cellLevels, coarseToFineRanks } from "../../worker/src/coarse-to-fine.js";

/** Grid indices of cell number `cell` (row major, the last axis fastest). */
function indicesOf(cell: number, lengths: readonly number[]): number[] {
  const indices: number[] = [];
  for (let axis = lengths.length - 1; axis >= 0; axis--) {
    indices.unshift(cell % lengths[axis]);
    cell = Math.floor(cell / lengths[axis]);
  }
  return indices;
}

/** The units in leasing order, each written "i,j,…/seed index". */
function leasingOrder(lengths: readonly number[], seeds: number): string[] {
  const ranks = coarseToFineRanks(lengths, seeds);
  const order: string[] = new Array(ranks.length);
  ranks.forEach((rank, unit) => (order[rank] = `${indicesOf(Math.floor(unit / seeds), lengths).join(",")}/${unit % seeds}`));
  return order;
}

describe("axisLevels", () => {
  it("bisects: ends first, then the middle, then the middles of the halves", () => {
    expect(axisLevels(1)).toEqual([0]);
    expect(axisLevels(2)).toEqual([0, 0]);
    expect(axisLevels(3)).toEqual([0, 1, 0]);
    expect(axisLevels(4)).toEqual([0, 1, 2, 0]);
    expect(axisLevels(5)).toEqual([0, 2, 1, 2, 0]);
    expect(axisLevels(6)).toEqual([0, 2, 1, 2, 3, 0]);
    expect(axisLevels(9)).toEqual([0, 3, 2, 3, 1, 3, 2, 3, 0]);
  });

  it("each level at least halves the largest gap between the values chosen so far", () => {
    for (let length = 2; length <= 100; length++) {
      const levels = axisLevels(length);
      for (let level = 0; level <= Math.max(...levels); level++) {
        const chosen = levels.flatMap((l, i) => (l <= level ? [i] : []));
        expect(chosen[0]).toBe(0);
        expect(chosen[chosen.length - 1]).toBe(length - 1);
        const largestGap = Math.max(...chosen.slice(1).map((v, i) => v - chosen[i]));
        expect(largestGap, `length ${length}, level ${level}`).toBeLessThanOrEqual(Math.ceil((length - 1) / 2 ** level));
      }
    }
  });

  it("refuses an empty axis", () => {
    expect(() => axisLevels(0)).toThrow(/at least one value/);
  });
});

describe("coarseToFineRanks", () => {
  it("orders a 5 × 3 grid with 2 seeds pass by pass (pass = cell level + seed index, finer level first within a pass)", () => {
    // Axis levels [0, 2, 1, 2, 0] × [0, 1, 0]; cell levels: corners 0; rows 0, 2, 4 otherwise 1; rows 1 and 3: 2.
    expect(leasingOrder([5, 3], 2)).toEqual([
      // pass 0: level 0, first seed
      "0,0/0", "0,2/0", "4,0/0", "4,2/0",
      // pass 1: level 1 first seed, then level 0 second seed
      "0,1/0", "2,0/0", "2,1/0", "2,2/0", "4,1/0",
      "0,0/1", "0,2/1", "4,0/1", "4,2/1",
      // pass 2: level 2 first seed, then level 1 second seed
      "1,0/0", "1,1/0", "1,2/0", "3,0/0", "3,1/0", "3,2/0",
      "0,1/1", "2,0/1", "2,1/1", "2,2/1", "4,1/1",
      // pass 3: level 2 second seed
      "1,0/1", "1,1/1", "1,2/1", "3,0/1", "3,1/1", "3,2/1",
    ]);
  });

  it("orders a 3 × 4 × 2 grid with 2 seeds", () => {
    // Axis levels [0, 1, 0] × [0, 1, 2, 0] × [0, 0].
    const level0 = ["0,0,0", "0,0,1", "0,3,0", "0,3,1", "2,0,0", "2,0,1", "2,3,0", "2,3,1"];
    const level1 = ["0,1,0", "0,1,1", "1,0,0", "1,0,1", "1,1,0", "1,1,1", "1,3,0", "1,3,1", "2,1,0", "2,1,1"];
    const level2 = ["0,2,0", "0,2,1", "1,2,0", "1,2,1", "2,2,0", "2,2,1"];
    const seed = (cells: string[], s: number) => cells.map((c) => `${c}/${s}`);
    expect(leasingOrder([3, 4, 2], 2)).toEqual([...seed(level0, 0), ...seed(level1, 0), ...seed(level0, 1), ...seed(level2, 0), ...seed(level1, 1), ...seed(level2, 1)]);
  });

  it("without axes, leases the seeds in order", () => {
    expect(leasingOrder([], 3)).toEqual(["/0", "/1", "/2"]);
  });

  it("refuses a sweep without seeds", () => {
    expect(() => coarseToFineRanks([3], 0)).toThrow(/at least one seed/);
  });

  const grids = fc.record({ lengths: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 4 }), seeds: fc.integer({ min: 1, max: 4 }) });

  it("ranks every unit once, each cell's seeds in seed order", () => {
    fc.assert(
      fc.property(grids, ({ lengths, seeds }) => {
        const ranks = coarseToFineRanks(lengths, seeds);
        expect(ranks.length).toBe(lengths.reduce((n, l) => n * l, 1) * seeds);
        expect([...ranks].sort((a, b) => a - b)).toEqual(ranks.map((_, i) => i));
        for (let unit = 0; unit < ranks.length; unit++) if (unit % seeds > 0) expect(ranks[unit]).toBeGreaterThan(ranks[unit - 1]);
      }),
    );
  });

  it("before any unit of a cell finer than level L, the first seed of the whole level-L sub-grid", () => {
    fc.assert(
      fc.property(grids, ({ lengths, seeds }) => {
        const ranks = coarseToFineRanks(lengths, seeds);
        const levels = cellLevels(lengths);
        const axes = lengths.map(axisLevels);
        for (let level = 0; level <= Math.max(...levels); level++) {
          // The cells of level ≤ L are exactly the sub-grid of every axis's indices of level ≤ L.
          const subGrid = levels.flatMap((_, cell) => (indicesOf(cell, lengths).every((index, axis) => axes[axis][index] <= level) ? [cell] : []));
          expect(levels.flatMap((l, cell) => (l <= level ? [cell] : []))).toEqual(subGrid);
          const lastFirstSeed = Math.max(...subGrid.map((cell) => ranks[cell * seeds]));
          const finer = ranks.filter((_, unit) => levels[Math.floor(unit / seeds)] > level);
          if (finer.length > 0) expect(Math.min(...finer)).toBeGreaterThan(lastFirstSeed);
        }
      }),
    );
  });

  it("holds a level's first seeds back by at most one seed per cell per level of coarseness", () => {
    fc.assert(
      fc.property(grids, ({ lengths, seeds }) => {
        const ranks = coarseToFineRanks(lengths, seeds);
        const levels = cellLevels(lengths);
        for (let level = 1; level <= Math.max(...levels); level++) {
          const first = Math.min(...levels.flatMap((l, cell) => (l === level ? [ranks[cell * seeds]] : [])));
          // Units leased before it, per coarser level: L − l seeds of each of its cells (or all of them).
          for (let coarser = 0; coarser < level; coarser++) {
            const cells = levels.filter((l) => l === coarser).length;
            const before = ranks.filter((rank, unit) => levels[Math.floor(unit / seeds)] === coarser && rank < first).length;
            expect(before).toBe(cells * Math.min(level - coarser, seeds));
          }
        }
      }),
    );
  });
});
