/**
 * What the volunteer page says (web/volunteer/wording.ts): the device's abilities and what Start
 * will do with them, the unit in words, the verdicts, and the numbers' formats.
 */
import { describe, expect, it } from "vitest";
import { parseRunConfig } from "../../src/index.js";
import { describeDevice, describePlan, describeStop, describeUnit, formatDuration, formatFlops, summarizeVerdicts, verdictOf, type DeviceCapabilities } from "../../web/volunteer/wording.js";
import { smallMlpConfig } from "../support/configs.js";

const capable: DeviceCapabilities = { simd: true, isolated: true, cores: 8, gpu: { state: "found", adapter: "NVIDIA RTX 4070 (nvidia, lovelace)" } };

describe("the device, in words", () => {
  it("names each ability and marks the ones that limit the contribution", () => {
    expect(describeDevice(capable)).toEqual([
      { label: "Vector instructions (WebAssembly SIMD)", value: "supported: the training engine can run here", good: true },
      { label: "Several threads (cross-origin isolation)", value: "available: a unit can train on several cores at once", good: true },
      { label: "Processor cores", value: "8 logical cores, as the browser reports", good: true },
      { label: "Graphics card (WebGPU)", value: "NVIDIA RTX 4070 (nvidia, lovelace): usable if you allow it below", good: true },
    ]);
    const limited = describeDevice({ simd: false, isolated: false, cores: 1, gpu: { state: "none" } });
    expect(limited.map((fact) => fact.good)).toEqual([false, false, true, false]);
    expect(limited[0].value).toMatch(/cannot train/);
    expect(limited[1].value).toMatch(/not cross-origin isolated, so a unit trains on one core/);
    expect(limited[2].value).toBe("1 logical core, as the browser reports");
    expect(describeDevice({ ...capable, gpu: { state: "checking" } })[3].value).toBe("checking…");
  });

  it("says what Start will do: threads and the cores left free, the GPU if found, and how to stop", () => {
    const plan = describePlan(capable, { threads: 7, allowGpu: false });
    expect(plan[0]).toMatch(/^When you press Start, .* trains it in the background on 7 threads, sends the result back and asks for the next one\.$/);
    expect(plan[1]).toBe("That leaves 1 core of 8 for everything else you do.");
    expect(plan[2]).toBe("The graphics card stays unused unless you allow it.");
    expect(plan[3]).toBe("Nothing runs until you press Start. Pause, or closing the tab, stops at once.");
    expect(describePlan(capable, { threads: 8, allowGpu: true }).slice(1, 3)).toEqual([
      "That keeps all 8 cores busy: other programs may feel slower while it trains.",
      expect.stringMatching(/^You allow the graphics card: units a study wants trained on GPUs may come here too/),
    ]);
    // No adapter: the GPU is not mentioned beyond the device list.
    expect(describePlan({ ...capable, gpu: { state: "none" } }, { threads: 1, allowGpu: true }).join(" ")).not.toMatch(/graphics card/);
    expect(describePlan({ ...capable, isolated: false }, { threads: 1, allowGpu: false })[1]).toMatch(/^It uses one core: threads need the page to be cross-origin isolated/);
    expect(describePlan({ ...capable, simd: false }, { threads: 1, allowGpu: false })).toEqual([expect.stringMatching(/^This browser lacks WebAssembly SIMD/)]);
  });
});

describe("the unit, in words", () => {
  it("says what the network learns, from how much, its main settings and where it trains", () => {
    const config = parseRunConfig({ ...smallMlpConfig({ p: 97, steps: 10_000 }), task: { kind: "modular", p: 97, op: "x2+y2", trainFraction: 0.3 } });
    expect(describeUnit(config, "wasm-simd")).toBe(
      "A network with 1 hidden layer learning to compute a² + b² modulo 97 from 30% of all pairs (a, b), tested on the pairs it never saw. Weight decay 1, seed 0, 10,000 steps, on the processor.",
    );
    expect(describeUnit(config, "tfjs-webgpu")).toMatch(/on the graphics card\.$/);
  });

  it("says why the server stopped a unit", () => {
    expect(describeStop("unit_validated")).toBe("other volunteers already validated it");
    expect(describeStop("lease_expired")).toMatch(/ran out/);
    expect(describeStop("lease_completed")).toBe("the server said lease completed");
  });
});

describe("verdicts, in words", () => {
  it("maps each result and unit state to a verdict", () => {
    const cpu = (status: string, unitStatus = "pending") => verdictOf({ status, unitStatus, backend: "wasm-simd" }).label;
    expect(cpu("pending")).toBe("waiting for a second volunteer");
    expect(cpu("valid", "validated")).toBe("validated");
    expect(cpu("invalid", "validated")).toBe("invalid");
    expect(verdictOf({ status: "invalid", unitStatus: "failed", backend: "wasm-simd" }).detail).toMatch(/kept disagreeing/);
    expect(verdictOf({ status: "pending", unitStatus: "pending", backend: "tfjs-webgpu" })).toMatchObject({ kind: "pending", label: "waiting for validation" });
    expect(verdictOf({ status: "approximate-accepted", unitStatus: "validated", backend: "tfjs-webgpu" }).kind).toBe("gpu-accepted");
    expect(verdictOf({ status: "approximate-rejected", unitStatus: "validated", backend: "tfjs-webgpu" }).kind).toBe("gpu-rejected");
  });

  it("counts the verdicts, and says when the list is only the latest", () => {
    expect(summarizeVerdicts([], false)).toBe("No units contributed from this browser yet.");
    const results = [
      { status: "pending", unitStatus: "pending", backend: "wasm-simd" },
      { status: "valid", unitStatus: "validated", backend: "wasm-simd" },
      { status: "pending", unitStatus: "pending", backend: "wasm-simd" },
    ];
    expect(summarizeVerdicts(results, false)).toBe("3 units contributed from this browser: 2 waiting for a second volunteer, 1 validated.");
    expect(summarizeVerdicts(results.slice(1, 2), true)).toBe("The latest 1 unit contributed from this browser: 1 validated.");
  });
});

describe("numbers, in words", () => {
  it("formats durations and FLOP counts", () => {
    expect([null, NaN, -1, 0, 0.2, 59.5, 61, 3599, 3600, 7380, 7439].map(formatDuration)).toEqual(["…", "…", "…", "1 s", "1 s", "1 min 0 s", "1 min 1 s", "59 min 59 s", "1 h 0 min", "2 h 3 min", "2 h 3 min"]);
    expect([0, 999, 1000, 12_345, 4.2e12, 9.99e17, 3e21].map(formatFlops)).toEqual(["0 FLOP", "999 FLOP", "1.00 kFLOP", "12.3 kFLOP", "4.20 TFLOP", "999 PFLOP", "3000 EFLOP"]);
  });
});
