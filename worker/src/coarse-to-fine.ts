/**
 * The order a sweep's units are leased in: coarse to fine over the grid, seeds interleaved, so the
 * phase diagram sharpens while the sweep runs instead of filling in row by row.
 *
 * Axis levels. Each axis is subdivided by bisection: its two end values are level 0; the middle index
 * of [0, n−1] (rounded down) is level 1; the middle of each of the two halves is level 2, and so on
 * until every index has a level. An axis of 5 values gets levels [0, 2, 1, 2, 0]; of 4, [0, 1, 2, 0];
 * of 3, [0, 1, 0]; of 1 or 2, all 0. The indices of level ≤ L are the axis at resolution L: each new
 * level halves the largest gap between the values already chosen.
 *
 * Cell level. A grid cell's level is the largest of its indices' levels, so the cells of level ≤ L are
 * exactly the sub-grid (indices of level ≤ L on every axis) at resolution L.
 *
 * Seeds. A unit is a cell and a seed index s (its position in the sweep's `seeds`). It is leased in
 * pass `cell level + s`: pass 0 is the first seed of the coarsest cells; pass 1 the first seed of
 * level 1 and the second seed of level 0; pass 2 the first seed of level 2, the second of level 1 and
 * the third of level 0; and so on. Within a pass the finer level goes first, then grid order (row
 * major, the last axis fastest, as the units are created). Hence:
 *   - every cell's first seed precedes every unit of any finer cell: whenever a unit of level L + 1 is
 *     leased, the whole level-L sub-grid has been leased at least once;
 *   - a cell's seeds go in seed order, one per pass;
 *   - before the first seed of level L, each coarser level l has had L − l seeds per cell (or all of
 *     them, if fewer): the extra seeds of coarser cells hold a finer level back by at most one seed
 *     per level of coarseness. As a level has about 2^d times the cells of the one before (d axes),
 *     that delay is a fraction of the previous level's first pass.
 */

/** Each index's bisection level on an axis of `length` values (see the file comment). */
export function axisLevels(length: number): number[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`axisLevels: an axis has at least one value, got length ${length}`);
  const levels = new Array<number>(length).fill(0);
  const bisect = (low: number, high: number, level: number) => {
    if (high - low < 2) return;
    const middle = (low + high) >> 1;
    levels[middle] = level;
    bisect(low, middle, level + 1);
    bisect(middle, high, level + 1);
  };
  bisect(0, length - 1, 1);
  return levels;
}

/** Each cell's level, cells in grid order (row major, the last axis fastest). */
export function cellLevels(axisLengths: readonly number[]): number[] {
  let levels = [0]; // the one cell of a grid without axes
  for (const length of axisLengths) {
    const axis = axisLevels(length);
    levels = levels.flatMap((outer) => axis.map((inner) => Math.max(outer, inner)));
  }
  return levels;
}

/**
 * The leasing rank (0 = first) of every unit of a grid with these axis lengths and `seedCount` seeds,
 * indexed like the units are created: unit `cell × seedCount + seed index`, cells in grid order.
 */
export function coarseToFineRanks(axisLengths: readonly number[], seedCount: number): number[] {
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new RangeError(`coarseToFineRanks: a sweep has at least one seed, got ${seedCount}`);
  const levels = cellLevels(axisLengths);
  const units = levels.flatMap((level, cell) => Array.from({ length: seedCount }, (_, seed) => ({ unit: cell * seedCount + seed, pass: level + seed, level, cell })));
  units.sort((a, b) => a.pass - b.pass || b.level - a.level || a.cell - b.cell);
  const ranks = new Array<number>(units.length);
  units.forEach(({ unit }, rank) => (ranks[unit] = rank));
  return ranks;
}
