/**
 * The charts' axes: labels for log axes' ticks and the scales' ranges, as uPlot options take them.
 * Pure (uPlot's types only).
 */
import type uPlot from "uplot";

/**
 * Where a log axis puts its ticks. Across a decade or more: at 1–9 × 10^k. Narrower (a weight norm
 * from 8 to 15, say), where those would leave the axis almost bare: at round linear steps, 8
 * of them at most, which a log axis places just as well.
 */
export function logSplits(_chart: uPlot, _axisIndex: number, min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [];
  const ticks: number[] = [];
  if (max / min < 10) {
    const step = niceStep((max - min) / 8);
    for (let k = Math.ceil(min / step); k * step <= max; k++) ticks.push(Number((k * step).toPrecision(12)));
    return ticks;
  }
  for (let exponent = Math.floor(Math.log10(min)); 10 ** exponent <= max; exponent++) {
    for (let digit = 1; digit <= 9; digit++) {
      const tick = Number((digit * 10 ** exponent).toPrecision(12));
      if (tick >= min && tick <= max) ticks.push(tick);
    }
  }
  return ticks;
}

/** The smallest of 1, 2, 5 × 10^k at or above `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw * (1 - 1e-9))!;
}

/**
 * Labels for logSplits' ticks: all of a narrow axis's; across decades, those at 1, 2 and 5 × 10^k up
 * to three decades and the powers of ten beyond.
 */
export function logAxisValues(chart: uPlot, ticks: number[], axisIndex: number): string[] {
  const scale = chart.scales[chart.axes[axisIndex].scale ?? ""];
  const min = scale?.min ?? Math.min(...ticks);
  const max = scale?.max ?? Math.max(...ticks);
  const label = (tick: number) => String(Number(tick.toPrecision(6)));
  if (!(min > 0) || max / min < 10) return ticks.map(label);
  const shown = Math.log10(max / min) <= 3 ? [1, 2, 5] : [1];
  return ticks.map((tick) => {
    const digit = Math.round(tick / 10 ** Math.floor(Math.log10(tick) + 1e-9));
    return shown.includes(digit) ? label(tick) : "";
  });
}

/** A log axis with logSplits' ticks and logAxisValues' labels. */
export function logAxis(label: string): uPlot.Axis {
  // filter: keep every split (uPlot's default for log scales blanks all but 10^k when it deems space short).
  return { label, splits: logSplits, values: logAxisValues, filter: (_chart, splits) => splits };
}

/** A log scale's range: the data's extent with a quarter of margin each side (uPlot's default widens it to whole decades). */
export function paddedLogRange(_chart: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  return min === null || max === null || !(min > 0) ? [1, 10] : [min / 1.25, max * 1.25];
}

/** A step axis's range: exactly the steps drawn. */
export function exactRange(_chart: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  return min === null || max === null ? [1, 10] : min === max ? [min / 2, max * 2] : [min, max];
}
