import { describe, expect, it } from "vitest";
import { WasmArena as Arena, ARENA_ALIGN } from "../../src/wasm/arena.js";

const PAGE = 65536;

describe("Arena", () => {
  it("starts above the heap base on an aligned offset and aligns every allocation", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 1000);
    expect(arena.base).toBe(1024);
    const a = arena.alloc(3), b = arena.allocF32(5);
    expect(a).toBe(1024);
    expect(b % ARENA_ALIGN).toBe(0);
    expect(b).toBe(a + ARENA_ALIGN);
    expect(arena.used).toBe(ARENA_ALIGN * 2);
  });

  it("grows memory when an allocation runs past its end, keeping earlier data", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    const arena = new Arena(memory, 0);
    const first = arena.allocF32(4);
    arena.f32(first, 4).set([1, 2, 3, 4]);
    const big = arena.alloc(3 * PAGE);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 3 * PAGE);
    expect(Array.from(arena.f32(first, 4))).toEqual([1, 2, 3, 4]);
  });

  it("says so when memory cannot grow", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
    expect(() => arena.alloc(5 * PAGE)).toThrow(/cannot grow wasm memory/);
  });

  it("releases back to a mark", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
    arena.alloc(10);
    const mark = arena.mark();
    const scratch = arena.alloc(100);
    arena.release(mark);
    expect(arena.alloc(100)).toBe(scratch);
    expect(() => arena.release(arena.base - 64)).toThrow(/outside/);
  });

  it("rejects a size that is not a non-negative integer", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
    expect(() => arena.alloc(-1)).toThrow(/non-negative integer/);
    expect(() => arena.alloc(1.5)).toThrow(/non-negative integer/);
  });
});
