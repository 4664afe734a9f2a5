/**
 * The arena: every tensor the kernels touch lives at a byte offset in the module's linear memory,
 * above its static data (`heap_base`). The kernels never allocate (AssemblyScript's runtimes are
 * not thread-safe); this bump allocator on the TypeScript side owns the whole layout.
 */

const PAGE_BYTES = 65536;
/** Bytes per element: f32 element e of a tensor at byte offset p is at p + e·F32_BYTES (assembly/sizes.ts is the kernels' twin). */
export const F32_BYTES = 4;
export const I32_BYTES = 4;
export const F64_BYTES = 8;
/** Tensors start on 64-byte boundaries: whole cache lines, so threads writing neighbouring tensors never share one. */
export const ARENA_ALIGN = 64;

/** Where a run's tensors live: byte offsets handed out by a bump allocator, and views of them. */
export interface Arena {
  /** Bytes in use above the base: the run's memory. */
  readonly used: number;
  /** Reserves `bytes` (rounded up to the alignment); returns the byte offset. */
  alloc(bytes: number): number;
  /** Room for `length` f32 values. */
  allocF32(length: number): number;
  /** A mark to release back to: everything allocated after it is freed by `release`. */
  mark(): number;
  release(mark: number): void;
  f32(offset: number, length: number): Float32Array;
  f64(offset: number, length: number): Float64Array;
  i32(offset: number, length: number): Int32Array;
  bytes(offset: number, length: number): Uint8Array;
}

/** The bump allocation both arenas share: offsets on ARENA_ALIGN boundaries from `base` up, marks to release back to. */
abstract class BumpArena implements Arena {
  private top: number;

  constructor(readonly base: number) {
    this.top = base;
  }

  /** Bytes in use above the base. */
  get used(): number {
    return this.top - this.base;
  }

  /** Reserves `bytes` (rounded up to the alignment); returns the byte offset. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`arena: allocation size must be a non-negative integer, got ${bytes}`);
    const offset = this.top;
    const end = offset + alignUp(bytes, ARENA_ALIGN);
    this.reserve(end);
    this.top = end;
    return offset;
  }

  /** Room for `length` f32 values. */
  allocF32(length: number): number {
    return this.alloc(length * F32_BYTES);
  }

  /** A mark to release back to: everything allocated after it is freed by `release`. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new RangeError(`arena: mark ${mark} is outside [${this.base}, ${this.top}]`);
    this.top = mark;
  }

  /** Makes bytes up to `end` usable. */
  protected abstract reserve(end: number): void;
  abstract f32(offset: number, length: number): Float32Array;
  abstract f64(offset: number, length: number): Float64Array;
  abstract i32(offset: number, length: number): Int32Array;
  abstract bytes(offset: number, length: number): Uint8Array;
}

/** The arena over a kernel module's linear memory, above its static data. */
export class WasmArena extends BumpArena {
  constructor(readonly memory: WebAssembly.Memory, heapBase: number) {
    super(alignUp(heapBase, ARENA_ALIGN));
  }

  /** Grows the memory when an allocation runs past it. */
  protected reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new RangeError(`arena: cannot grow wasm memory to ${end} bytes (${pages} more pages)`, { cause });
    }
  }

  /** A fresh view (views must not be kept across allocations: growing memory detaches or outgrows them). */
  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }

  bytes(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, offset, length);
  }
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * An arena with no memory behind it: offsets are handed out exactly as a WasmArena would, so `used`
 * is what a run would take, and views are scratch arrays nobody reads. The run plan lays a run out
 * on one to measure it without instantiating kernels.
 */
export class MeasuringArena extends BumpArena {
  constructor() {
    super(0);
  }

  protected reserve(): void {}

  f32(_offset: number, length: number): Float32Array {
    return new Float32Array(length);
  }

  f64(_offset: number, length: number): Float64Array {
    return new Float64Array(length);
  }

  i32(_offset: number, length: number): Int32Array {
    return new Int32Array(length);
  }

  bytes(_offset: number, length: number): Uint8Array {
    return new Uint8Array(length);
  }
}
