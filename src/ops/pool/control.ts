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
 *
 * A worker whose kernel throws (a trap) still decrements PENDING, after writing its index to FAILED
 * and the error's text to the MESSAGE area; the coordinator then throws it, and the pool takes no
 * more work. A worker that dies outright cannot answer at all: the coordinator gives up after
 * OP_TIMEOUT_MS.
 */

const LINE = 16; // i32 words per 64-byte line

export const GENERATION = 0;
export const PENDING = LINE;
export const KERNEL = 2 * LINE;
export const ARG_COUNT = KERNEL + 1;
export const EXTENT = KERNEL + 2;
export const ALIGN = KERNEL + 3;
/** 0, or 1 + the index of the first worker whose kernel threw. */
export const FAILED = 3 * LINE;
const RESULT = 4 * LINE;
/** The word holding thread w's return value. */
export const LINE_RESULT = (w: number) => RESULT + LINE * w;
export const MAX_THREADS = 64;
/** Byte offset of the f64 arguments within the control block. */
export const ARGS_BYTE_OFFSET = (RESULT + LINE * MAX_THREADS) * 4;
export const MAX_ARGS = 24;
/** The failing worker's error text: UTF-16 code units after the arguments. */
const MESSAGE_BYTE_OFFSET = ARGS_BYTE_OFFSET + MAX_ARGS * 8;
const MESSAGE_UNITS = 256;
export const CONTROL_BYTES = MESSAGE_BYTE_OFFSET + MESSAGE_UNITS * 2;

/** Longest a coordinator waits for its workers to finish one op before declaring the pool dead. */
export const OP_TIMEOUT_MS = 120_000;

/** Kernel index meaning "leave the loop". */
export const STOP = -1;

/** Views of a control block at byte offset `ptr` of a shared memory. */
export interface ControlViews {
  words: Int32Array;
  args: Float64Array;
  message: Uint16Array;
}

export function controlViews(memory: WebAssembly.Memory, ptr: number): ControlViews {
  return {
    words: new Int32Array(memory.buffer, ptr, ARGS_BYTE_OFFSET / 4),
    args: new Float64Array(memory.buffer, ptr + ARGS_BYTE_OFFSET, MAX_ARGS),
    message: new Uint16Array(memory.buffer, ptr + MESSAGE_BYTE_OFFSET, MESSAGE_UNITS),
  };
}

/** Records worker `index`'s failure (the first one wins; the text is cut to fit). */
export function reportFailure(views: ControlViews, index: number, error: unknown): void {
  if (Atomics.compareExchange(views.words, FAILED, 0, index + 1) !== 0) return;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const units = Math.min(text.length, MESSAGE_UNITS - 1);
  for (let i = 0; i < units; i++) views.message[i] = text.charCodeAt(i);
  views.message[units] = 0;
}

/** The recorded failure's text. */
export function failureText(views: ControlViews): string {
  let text = "";
  for (let i = 0; i < views.message.length && views.message[i] !== 0; i++) text += String.fromCharCode(views.message[i]);
  return text;
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

/**
 * Waits until words[at] differs from `value`: a short spin (wake-ups cost tens of µs), then
 * Atomics.wait. Returns false if `timeoutMs` passed first.
 */
export function waitWhileEqual(words: Int32Array, at: number, value: number, timeoutMs = Infinity): boolean {
  for (let spin = 0; spin < 4096; spin++) if (Atomics.load(words, at) !== value) return true;
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(words, at) === value) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(words, at, value, left);
  }
  return true;
}
