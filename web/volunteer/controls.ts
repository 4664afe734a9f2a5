/**
 * The controls: Start / Pause (one button whose label says what pressing it does), the thread count
 * (remembered; by default every core but one) and whether the GPU may be used (remembered; off
 * unless the volunteer allows it). The page reads the choices when it next asks for a unit, so a
 * change applies from the next unit on.
 */
import { chosenThreads, threadChoices } from "./threads.js";
import { rememberAllowGpu, rememberedAllowGpu, rememberedThreads, rememberThreads } from "./storage.js";
import type { Choices, DeviceCapabilities } from "./wording.js";

export interface Controls {
  choices(): Choices;
  /** Shows the GPU choice once the adapter is known. */
  showGpu(gpu: DeviceCapabilities["gpu"]): void;
  setRunning(running: boolean): void;
}

export interface ControlHandlers {
  start(): void;
  pause(): void;
  /** A choice changed. */
  changed(choices: Choices): void;
}

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

export function createControls(device: DeviceCapabilities, handlers: ControlHandlers): Controls {
  const button = element<HTMLButtonElement>("start-pause");
  const threads = element<HTMLSelectElement>("threads");
  const allowGpu = element<HTMLInputElement>("allow-gpu");
  let running = false;

  const choices = threadChoices(device.cores, device.isolated);
  const initial = chosenThreads(rememberedThreads(), device.cores, device.isolated);
  threads.replaceChildren(...choices.map((n) => new Option(String(n), String(n), n === initial, n === initial)));
  threads.disabled = choices.length === 1;
  element("threads-help").textContent = device.isolated
    ? `Up to ${choices.length} (your ${device.cores} cores). The default leaves one core free so the computer stays usable. A change applies from the next unit.`
    : "One thread only: threads need the page to be cross-origin isolated, and here it is not.";

  button.disabled = !device.simd;
  const current = (): Choices => ({ threads: Number(threads.value), allowGpu: allowGpu.checked && !allowGpu.disabled });
  const controls: Controls = {
    choices: current,
    showGpu(gpu) {
      const found = gpu.state === "found";
      allowGpu.disabled = !found;
      allowGpu.checked = found && rememberedAllowGpu();
      element("gpu-help").textContent =
        gpu.state === "checking"
          ? "Looking for a graphics card…"
          : found
            ? "Off unless you tick it. Allowed, units that a study wants trained on GPUs may come to this browser as well; a GPU run is compared with the validated processor runs."
            : "No graphics card is available to this page (no WebGPU adapter).";
    },
    setRunning(next) {
      running = next;
      button.textContent = running ? "Pause" : "Start";
      button.dataset.state = running ? "running" : "stopped";
    },
  };
  controls.showGpu(device.gpu);

  button.addEventListener("click", () => (running ? handlers.pause() : handlers.start()));
  threads.addEventListener("change", () => {
    rememberThreads(Number(threads.value));
    handlers.changed(current());
  });
  allowGpu.addEventListener("change", () => {
    rememberAllowGpu(allowGpu.checked);
    handlers.changed(current());
  });
  return controls;
}
