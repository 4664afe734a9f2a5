/**
 * The thread pool's control block: a few words in the shared wasm memory that the coordinator and
 * the workers use to hand out work without postMessage. Each word the threads write sits on its own
 * 64-byte cache line, so a thread spinning on one never bounces another's line.
 *
 * Protocol (one op at a time): the coordinator writes the op (kernel index, arguments, extent, the
 * number of chunks its range is cut into), resets NEXT_CHUNK, sets PENDING to the number of workers,
 * then bumps GENERATION and notifies. Every thread, the coordinator included, then claims chunks
 * (Atomics.add on NEXT_CHUNK) and runs them until none is left: a thread that is slower — its core
 * shared with another process, or woken late — simply takes fewer, instead of the whole op waiting
 * for it. Chunk boundaries depend only on the op, and each output element is computed the same way
 * in whichever chunk, so who ran which chunk never changes a bit; the return values are counts,
 * whose sum does not depend on order. A worker stores its chunks' summed return values in its RESULT
 * line, decrements PENDING, and the last one notifies the coordinator. Because every worker takes
 * part in every op, none can still be reading an op when the coordinator writes the next.
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
export const CHUNKS = KERNEL + 4;
/** 0, or 1 + the index of the first worker whose kernel threw. */
export const FAILED = 3 * LINE;
/** The next chunk to claim: every thread adds to it, so it has its own line. */
export const NEXT_CHUNK = 4 * LINE;
const RESULT = 5 * LINE;
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
 * Chunk `index` of `chunks` of [0, extent): contiguous, boundaries on multiples of `align` (so SIMD
 * tiles stay whole), the same cut on every thread.
 */
export function chunkOf(extent: number, align: number, chunks: number, index: number): [number, number] {
  const units = Math.ceil(extent / align);
  const at = (i: number) => Math.min(extent, Math.floor((units * i) / chunks) * align);
  return [at(index), at(index + 1)];
}

/**
 * Chunks per thread an op's range is cut into. More chunks let a fast thread make up for a slow
 * one (with 4 per thread, a thread running at half speed delays the op by about one chunk instead
 * of half the op); fewer keep each chunk's SIMD tiles and cache lines whole. Measured with
 * bench:train (closing note of issue 11).
 */
export const CHUNKS_PER_THREAD = 4;

/** How many chunks a range of `extent` split at multiples of `align` is cut into on `threads` threads. */
export const chunkCount = (extent: number, align: number, threads: number): number => Math.max(1, Math.min(Math.ceil(extent / align), threads * CHUNKS_PER_THREAD));

/** Claims and runs the current op's chunks until none is left; returns the sum of `run`'s results. */
export function runChunks(words: Int32Array, run: (start: number, end: number) => number): number {
  const chunks = words[CHUNKS];
  let total = 0;
  for (let c = Atomics.add(words, NEXT_CHUNK, 1); c < chunks; c = Atomics.add(words, NEXT_CHUNK, 1)) {
    const [start, end] = chunkOf(words[EXTENT], words[ALIGN], chunks, c);
    if (end > start) total += run(start, end);
  }
  return total;
}

/**
 * How long a waiting thread spins before it sleeps. Between two ops of a training step the
 * coordinator runs serial work (small ops, JS) for tens to hundreds of µs; a worker asleep by then
 * pays a wake-up, which on a virtual machine whose idle vCPU was halted costs 50 µs to several ms
 * (measured with bench:train: MNIST steps, whose ops are small, ran slower on 2 threads than on 1
 * with a 4096-load spin). Spinning for a whole millisecond keeps the worker's core awake through a
 * step and still lets it sleep between steps and after training.
 */
export const SPIN_MS = 1;

/**
 * Waits until words[at] differs from `value`: a spin of up to SPIN_MS, then Atomics.wait. Returns
 * false if `timeoutMs` passed first.
 */
export function waitWhileEqual(words: Int32Array, at: number, value: number, timeoutMs = Infinity): boolean {
  const start = performance.now();
  const spinUntil = start + Math.min(SPIN_MS, timeoutMs);
  do {
    for (let spin = 0; spin < 256; spin++) if (Atomics.load(words, at) !== value) return true;
  } while (performance.now() < spinUntil);
  const deadline = start + timeoutMs;
  while (Atomics.load(words, at) === value) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(words, at, value, left);
  }
  return true;
}
