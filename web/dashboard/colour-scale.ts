/**
 * Colours of the phase diagram: one per phase (Okabe & Ito's colour-blind-safe palette), and a
 * sequential log scale (viridis, perceptually uniform and legible in grey) for step metrics, with
 * the legend's ticks and a text colour that stays readable on every fill. Pure.
 */
import type { Phase } from "../../worker/src/aggregate/phases.js";

export const PHASE_COLOURS: Record<Phase, string> = {
  comprehension: "#009e73",
  grokking: "#0072b2",
  memorization: "#e69f00",
  confusion: "#cc79a7",
};

/** A cell with no validated run yet. */
export const NO_DATA_COLOUR = "#ffffff";
/** A metric that no validated seed reached (e.g. it never generalized). */
export const NEVER_COLOUR = "#bdbdbd";

/** Viridis, sampled at ten evenly spaced points; colours between are interpolated in sRGB. */
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

export interface LogScale {
  /** The domain's ends (lo ≥ 1: steps below 1, and non-positive delays, are drawn as lo). */
  lo: number;
  hi: number;
  /** Some value lay below lo and is drawn as lo. */
  clampedBelow: boolean;
  /** Where a value sits along the scale, 0 (lo) to 1 (hi). */
  position(value: number): number;
  colour(value: number): string;
  /** Values to label the legend at: lo, the powers of ten between, hi. */
  ticks(): number[];
}

/**
 * A log10 scale over the given values (medians of a step metric), or null when there are none.
 * Log, because steps to generalize span orders of magnitude across a phase diagram.
 */
export function logScale(values: readonly number[]): LogScale | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  const lo = Math.max(1, Math.min(...finite));
  const hi = Math.max(lo, ...finite);
  const span = Math.log10(hi) - Math.log10(lo);
  const position = (value: number) => (span === 0 ? 0.5 : (Math.log10(Math.min(hi, Math.max(lo, value))) - Math.log10(lo)) / span);
  return {
    lo,
    hi,
    clampedBelow: finite.some((v) => v < lo),
    position,
    colour: (value) => sampleViridis(position(value)),
    ticks() {
      const ticks = [lo];
      for (let power = 10 ** Math.ceil(Math.log10(lo)); power < hi; power *= 10) if (power > lo) ticks.push(power);
      if (hi > lo) ticks.push(hi);
      return ticks;
    },
  };
}

/** The viridis colour at t in [0, 1] (clamped), as #rrggbb. */
export function sampleViridis(t: number): string {
  const at = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(at));
  const [a, b] = [hexToRgb(VIRIDIS[i]), hexToRgb(VIRIDIS[i + 1])];
  const f = at - i;
  return rgbToHex(a.map((channel, k) => channel + (b[k] - channel) * f) as [number, number, number]);
}

/** CSS gradient stops of the whole scale, for the legend's bar. */
export function viridisGradient(): string {
  return `linear-gradient(to right, ${VIRIDIS.join(", ")})`;
}

/** Black or white, whichever contrasts more with the fill (WCAG relative luminance). */
export function textColourOn(fill: string): "#000000" | "#ffffff" {
  const luminance = relativeLuminance(fill);
  const contrastWithBlack = (luminance + 0.05) / 0.05;
  const contrastWithWhite = 1.05 / (luminance + 0.05);
  return contrastWithBlack >= contrastWithWhite ? "#000000" : "#ffffff";
}

export function relativeLuminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex).map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function hexToRgb(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new TypeError(`expected a colour as #rrggbb, got ${JSON.stringify(hex)}`);
  return [parseInt(match[1], 16), parseInt(match[2], 16), parseInt(match[3], 16)];
}

function rgbToHex(rgb: [number, number, number]): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, "0")).join("")}`;
}
