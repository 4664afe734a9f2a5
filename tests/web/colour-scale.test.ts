/** The phase diagram's colours: the log scale, viridis sampling, and legible text on every fill. */
import { describe, expect, it } from "vitest";
import { PHASES } from "../../worker/src/aggregate/phases.js";
import { logScale, NEVER_COLOUR, NO_DATA_COLOUR, PHASE_COLOURS, relativeLuminance, sampleViridis, textColourOn } from "../../web/dashboard/colour-scale.js";

function contrast(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe("logScale", () => {
  it("places values by their logarithm between the smallest and largest", () => {
    const scale = logScale([1000, 10, 100])!;
    expect([scale.lo, scale.hi]).toEqual([10, 1000]);
    expect(scale.position(10)).toBe(0);
    expect(scale.position(100)).toBeCloseTo(0.5, 12);
    expect(scale.position(1000)).toBe(1);
    expect(scale.position(10 ** 2.5)).toBeCloseTo(0.75, 12);
    expect(scale.colour(10)).toBe("#440154");
    expect(scale.colour(1000)).toBe("#fde725");
    expect(scale.ticks()).toEqual([10, 100, 1000]);
    expect(scale.clampedBelow).toBe(false);
  });

  it("ticks at the ends and the powers of ten between", () => {
    expect(logScale([30, 4500])!.ticks()).toEqual([30, 100, 1000, 4500]);
    expect(logScale([100, 200])!.ticks()).toEqual([100, 200]);
  });

  it("draws values below 1 (a zero or negative grokking delay) at the low end, and says so", () => {
    const scale = logScale([-20, 0, 50])!;
    expect([scale.lo, scale.hi, scale.clampedBelow]).toEqual([1, 50, true]);
    expect(scale.position(-20)).toBe(0);
    expect(scale.position(0)).toBe(0);
    expect(scale.position(1e9)).toBe(1);
  });

  it("puts a single value mid-scale, and gives no scale for no values", () => {
    const scale = logScale([300, 300])!;
    expect(scale.position(300)).toBe(0.5);
    expect(scale.ticks()).toEqual([300]);
    expect(logScale([])).toBeNull();
    expect(logScale([NaN, Infinity])).toBeNull();
  });
});

describe("colours", () => {
  it("interpolates viridis between its samples", () => {
    expect(sampleViridis(0)).toBe("#440154");
    expect(sampleViridis(1)).toBe("#fde725");
    expect(sampleViridis(-1)).toBe("#440154");
    // 0.5 lies halfway between the 5th (#26828e) and 6th (#1f9e89) samples.
    expect(sampleViridis(0.5)).toBe("#23908c");
  });

  it("writes black or white, whichever contrasts more, so text reads at least at WCAG AA (4.5:1) on every fill", () => {
    expect(textColourOn("#440154")).toBe("#ffffff");
    expect(textColourOn("#fde725")).toBe("#000000");
    expect(textColourOn(NO_DATA_COLOUR)).toBe("#000000");
    const fills = [...PHASES.map((p) => PHASE_COLOURS[p]), NEVER_COLOUR, NO_DATA_COLOUR, ...Array.from({ length: 101 }, (_, i) => sampleViridis(i / 100))];
    for (const fill of fills) {
      const text = textColourOn(fill);
      const other = text === "#000000" ? "#ffffff" : "#000000";
      expect(contrast(fill, text), fill).toBeGreaterThanOrEqual(contrast(fill, other));
      expect(contrast(fill, text), fill).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("gives the four phases four different colours", () => {
    expect(new Set(PHASES.map((p) => PHASE_COLOURS[p])).size).toBe(4);
  });

  it("refuses a colour that is not #rrggbb", () => {
    expect(() => textColourOn("red")).toThrow('expected a colour as #rrggbb, got "red"');
  });
});
