import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { runResultSchema } from "../../src/config/run-result.js";

const config = {
  version: 1,
  task: { kind: "modular", p: 23, op: "add", trainFraction: 0.5 },
  model: { kind: "mlp", input: "embedding", embeddingDim: 16, hidden: [32] },
  optimizer: { kind: "adamw", lr: 3e-3 },
  steps: 20,
  evalInterval: 10,
  seed: 1,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "grokedge-cli-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, output: out.join("\n"), errors: err.join("\n") };
}

describe("grokedge train", () => {
  it("prints a line per evaluation and the summary, and writes the result", async () => {
    const configPath = join(dir, "run.json"), outPath = join(dir, "result.json");
    await writeFile(configPath, JSON.stringify(config));
    const { code, output } = await run(["train", "--config", configPath, "--out", outPath]);
    expect(code).toBe(0);
    expect(output).toMatch(/step  0\/20 .*step 10\/20 .*step 20\/20/s);
    expect(output).toMatch(/paramsHash [0-9a-f]{64}/);
    const result = runResultSchema.parse(JSON.parse(await readFile(outPath, "utf8")));
    expect(output).toContain(result.summary.paramsHash);
  });

  it("gives the same paramsHash with --threads 2", async () => {
    const configPath = join(dir, "run.json");
    await writeFile(configPath, JSON.stringify(config));
    const one = await run(["train", "--config", configPath]);
    const two = await run(["train", "--config", configPath, "--threads", "2"]);
    expect(two.code).toBe(0);
    expect(two.output).toMatch(/simd-threads × 2 thread/);
    expect(two.output.match(/paramsHash (\w+)/)![1]).toBe(one.output.match(/paramsHash (\w+)/)![1]);
  });

  it.each([
    [[]],
    [["--help"]],
    [["-h"]],
    [["help"]],
    [["help", "train"]],
    [["train", "--help"]],
    [["train", "-h"]],
    [["train", "--config", "/nonexistent.json", "--help"]], // help wins: nothing is read or trained
  ])("prints the usage with every option explained and exits 0: %j", async (args) => {
    const { code, output, errors } = await run(args as string[]);
    expect(code).toBe(0);
    expect(errors).toBe("");
    expect(output).toMatch(/^usage: grokedge train --config <run\.json>/);
    for (const option of ["--config", "--out", "--threads", "-h, --help"]) expect(output).toMatch(new RegExp(`^  ${option}.*\\S+.*\\S`, "m"));
    expect(output).toMatch(/bitwise the same/);
    expect(output).toMatch(/exit status: 0 .*2 .*1 /);
  });

  it.each([
    [["train", "--bogus"], /Unknown option '--bogus'/],
    [["train", "-x"], /Unknown option '-x'/],
    [["train", "--config"], /--config <value>' argument missing/],
    [["help", "fly"], /no help on "fly": the only command is train/],
  ])("exits 2 with the reason and the usage on stderr on an unknown or incomplete option: %j", async (args, message) => {
    const { code, output, errors } = await run(args as string[]);
    expect(code).toBe(2);
    expect(errors).toMatch(message);
    expect(errors).toMatch(/^usage: grokedge train/m);
    expect(output).toBe("");
  });

  it.each([
    [["train"], /--config is required/],
    [["train", "--config", "/nonexistent.json"], /cannot read run config/],
    [["train", "--config", "x", "--threads", "zero"], /--threads must be an integer/],
    [["fly"], /unknown command "fly"/],
  ])("exits 2 with a clear message on stderr on bad usage: %j", async (args, message) => {
    const { code, output, errors } = await run(args as string[]);
    expect(code).toBe(2);
    expect(errors).toMatch(message);
    expect(output).toBe("");
  });

  it("names the bad field of an invalid config", async () => {
    const configPath = join(dir, "bad.json");
    await writeFile(configPath, JSON.stringify({ ...config, steps: 0 }));
    const { code, errors } = await run(["train", "--config", configPath]);
    expect(code).toBe(2);
    expect(errors).toMatch(/steps: Too small/);
  });

  it("refuses an --out it could not write before training, not after", async () => {
    const configPath = join(dir, "run.json");
    await writeFile(configPath, JSON.stringify({ ...config, steps: 100_000 }));
    const t0 = performance.now();
    const { code, output, errors } = await run(["train", "--config", configPath, "--out", join(dir, "no-such-folder", "result.json")]);
    expect(code).toBe(2);
    expect(errors).toMatch(/cannot write the result to .*no-such-folder.*ENOENT/);
    expect(output).toBe("");
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("exits 1 with the reason when the run itself fails", async () => {
    const configPath = join(dir, "huge.json");
    // Valid, but its activations need more than the 4 GiB a wasm memory can hold.
    await writeFile(configPath, JSON.stringify({ ...config, task: { kind: "modular", p: 257, op: "add", trainFraction: 0.9 }, model: { kind: "mlp", input: "onehot", hidden: [100_000] } }));
    const { code, errors } = await run(["train", "--config", configPath]);
    expect(code).toBe(1);
    expect(errors).toMatch(/^training failed: arena: cannot grow wasm memory/);
  });
});
