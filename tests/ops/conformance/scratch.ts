/**
 * Browser-safe arena scope for the conformance cases (tests/support/kernels.ts's `scoped` imports the
 * Node builds, so it cannot be bundled for a browser). Everything allocated through a `Scratch` is
 * freed when its body returns, and checked on the way out:
 * - every buffer sits between two guard lines (64 bytes before, and from its last byte to the next
 *   64-byte boundary plus 64 bytes after) filled with GUARD_BYTE: an op that writes past a buffer —
 *   a wrong extent, a tile that runs over — fails the case on every host;
 * - inputs must come back unchanged (an op may write only the buffers it documents as outputs);
 * - the module's static data [0, heap_base) must come back unchanged (a pointer of 0 — the losses'
 *   "no gradient" — must never be written through).
 */
import type { KernelInstance } from "../../../src/wasm/loader.js";

const LINE = 64;
/** 0xA5A5A5A5 as f32 is −2.87e-16, as i32 −1515870811: nothing a kernel here writes by chance. */
const GUARD_BYTE = 0xa5;

const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

interface Buffer {
  name: string;
  ptr: number;
  bytes: number;
  /** First guard byte before the buffer and one past the last guard byte after it. */
  start: number;
  end: number;
  /** Inputs: their bytes as written (must be unchanged afterwards). */
  snapshot?: Uint8Array;
}

export class Scratch {
  private readonly buffers: Buffer[] = [];
  private count = 0;

  constructor(readonly k: KernelInstance) {}

  private alloc(bytes: number, name: string): Buffer {
    const body = alignUp(Math.max(bytes, 4), LINE);
    const start = this.k.arena.alloc(LINE + body + LINE);
    const ptr = start + LINE;
    const buffer: Buffer = { name: `${name ?? "buffer"} #${this.count++}`, ptr, bytes, start, end: ptr + body + LINE };
    this.k.arena.bytes(start, LINE).fill(GUARD_BYTE);
    this.k.arena.bytes(ptr + bytes, buffer.end - (ptr + bytes)).fill(GUARD_BYTE);
    this.buffers.push(buffer);
    return buffer;
  }

  /** An f32 input: must be unchanged by the op. */
  inF32(values: ArrayLike<number>, name = "f32 input"): number {
    const b = this.alloc(values.length * 4, name);
    this.k.arena.f32(b.ptr, values.length).set(values);
    b.snapshot = this.k.arena.bytes(b.ptr, b.bytes).slice();
    return b.ptr;
  }

  inI32(values: ArrayLike<number>, name = "i32 input"): number {
    const b = this.alloc(values.length * 4, name);
    this.k.arena.i32(b.ptr, values.length).set(values);
    b.snapshot = this.k.arena.bytes(b.ptr, b.bytes).slice();
    return b.ptr;
  }

  inF64(values: ArrayLike<number>, name = "f64 input"): number {
    const b = this.alloc(values.length * 8, name);
    this.k.arena.f64(b.ptr, values.length).set(values);
    b.snapshot = this.k.arena.bytes(b.ptr, b.bytes).slice();
    return b.ptr;
  }

  /** An f32 buffer the op writes, holding `initial` first (a length: filled with GUARD_BYTE garbage). */
  outF32(initial: ArrayLike<number> | number, name = "f32 output"): number {
    const n = typeof initial === "number" ? initial : initial.length;
    const b = this.alloc(n * 4, name);
    if (typeof initial === "number") this.k.arena.bytes(b.ptr, b.bytes).fill(GUARD_BYTE);
    else this.k.arena.f32(b.ptr, n).set(initial);
    return b.ptr;
  }

  outF64(initial: ArrayLike<number> | number, name = "f64 output"): number {
    const n = typeof initial === "number" ? initial : initial.length;
    const b = this.alloc(n * 8, name);
    if (typeof initial === "number") this.k.arena.bytes(b.ptr, b.bytes).fill(GUARD_BYTE);
    else this.k.arena.f64(b.ptr, n).set(initial);
    return b.ptr;
  }

  /** Copies of what the op wrote (fresh views: memory may have grown since). */
  f32(ptr: number, n: number): Float32Array {
    return this.k.arena.f32(ptr, n).slice();
  }

  f64(ptr: number, n: number): Float64Array {
    return this.k.arena.f64(ptr, n).slice();
  }

  /** Throws naming the first buffer whose guards were written or that was an input and changed. */
  check(): void {
    for (const b of this.buffers) {
      const before = this.k.arena.bytes(b.start, LINE);
      const after = this.k.arena.bytes(b.ptr + b.bytes, b.end - (b.ptr + b.bytes));
      const at = (view: Uint8Array) => view.findIndex((byte) => byte !== GUARD_BYTE);
      if (at(before) >= 0) throw new Error(`the op wrote ${LINE - at(before)} bytes before ${b.name} (${b.bytes} bytes at ${b.ptr})`);
      if (at(after) >= 0) throw new Error(`the op wrote past the end of ${b.name} (${b.bytes} bytes at ${b.ptr}): byte ${at(after)} after it`);
      if (b.snapshot) {
        const now = this.k.arena.bytes(b.ptr, b.bytes);
        const changed = now.findIndex((byte, i) => byte !== b.snapshot![i]);
        if (changed >= 0) throw new Error(`the op changed its input ${b.name} (${b.bytes} bytes at ${b.ptr}) at byte ${changed}`);
      }
    }
  }
}

/** Runs `body` on a fresh Scratch, checks guards, inputs and static data, and frees its memory. */
export function withScratch<T>(k: KernelInstance, body: (s: Scratch) => T): T {
  const heapBase = k.kernels.heap_base();
  const staticData = new Uint8Array(k.memory.buffer, 0, heapBase).slice();
  const mark = k.arena.mark();
  try {
    const s = new Scratch(k);
    const result = body(s);
    s.check();
    const now = new Uint8Array(k.memory.buffer, 0, heapBase);
    const changed = now.findIndex((byte, i) => byte !== staticData[i]);
    if (changed >= 0) throw new Error(`the op wrote into the module's static data at byte ${changed} (below heap_base ${heapBase}): a null pointer written through?`);
    return result;
  } finally {
    k.arena.release(mark);
  }
}
