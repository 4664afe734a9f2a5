/**
 * The thread pool's control block: a few words in the shared wasm memory that the coordinator and
 * the workers use to hand out work without postMessage. Each word the threads write sits on its own
 * 64-byte cache line, so a thread spinning on one never bounces another's line.
 *
 * Protocol (one op at a time): the coordinator writes the op (kernel index, arguments, extent),
 * sets PENDING to the number of workers, then bumps GENERATION and notifies. Every worker takes its
 * slice, stores its kernel's return value in its RESULT line, decrements PENDING, and the last one
 * notifies the coordinator, which did slice 0 itself meanwhile. Because every worker takes part in
 * every op, none can still be reading an op when the coordinator writes the next.
 */

const LINE = 16; // i32 words per 64-byte line

export const GENERATION = 0;
export const PENDING = LINE;
export const KERNEL = 2 * LINE;
export const ARG_COUNT = KERNEL + 1;
export const EXTENT = KERNEL + 2;
export const ALIGN = KERNEL + 3;
const RESULT = 3 * LINE;
/** The word holding thread w's return value. */
export const LINE_RESULT = (w: number) => RESULT + LINE * w;
export const MAX_THREADS = 64;
/** Byte offset of the f64 arguments within the control block. */
export const ARGS_BYTE_OFFSET = (RESULT + LINE * MAX_THREADS) * 4;
export const MAX_ARGS = 24;
export const CONTROL_BYTES = ARGS_BYTE_OFFSET + MAX_ARGS * 8;

/** Kernel index meaning "leave the loop". */
export const STOP = -1;

/** Views of a control block at byte offset `ptr` of a shared memory. */
export interface ControlViews {
  words: Int32Array;
  args: Float64Array;
}

export function controlViews(memory: WebAssembly.Memory, ptr: number): ControlViews {
  return { words: new Int32Array(memory.buffer, ptr, ARGS_BYTE_OFFSET / 4), args: new Float64Array(memory.buffer, ptr + ARGS_BYTE_OFFSET, MAX_ARGS) };
}

/**
 * Thread `index` of `threads`' share of [0, extent): contiguous, boundaries on multiples of `align`
 * (so SIMD tiles stay whole), the same split on every thread.
 */
export function sliceOf(extent: number, align: number, threads: number, index: number): [number, number] {
  const units = Math.ceil(extent / align);
  const at = (i: number) => Math.min(extent, Math.floor((units * i) / threads) * align);
  return [at(index), at(index + 1)];
}

/** Waits until words[at] differs from `value`: a short spin (wake-ups cost tens of µs), then Atomics.wait. */
export function waitWhileEqual(words: Int32Array, at: number, value: number): void {
  for (let spin = 0; spin < 4096; spin++) if (Atomics.load(words, at) !== value) return;
  while (Atomics.load(words, at) === value) Atomics.wait(words, at, value);
}
