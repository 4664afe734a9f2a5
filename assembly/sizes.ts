// Bytes per element: pointers are byte offsets, so element e of an f32 array at p is at p + e·F32.
// (The TypeScript side's twin is F32_BYTES in src/ops/ops.ts.)

// @ts-ignore: decorator
@inline export const F32: usize = 4;
// @ts-ignore: decorator
@inline export const F64: usize = 8;
