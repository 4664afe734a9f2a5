/**
 * grokedge train: output (lines, bar, JSON events), presets and --set, threads, checkpoints and
 * resumption (bit-exact, written whole), Ctrl-C, and the exit code of every failure path.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runResultSchema } from "../../src/config/run-result.js";
import { smallMlpConfig } from "../support/configs.js";
import { runCli, temporaryFolder } from "./support/run-cli.js";

const config = smallMlpConfig({ p: 23, steps: 40, evalInterval: 10, seed: 1 });
const hashOf = (text: string) => text.match(/paramsHash ([0-9a-f]{64})/)?.[1];

let dir: { path: string; remove(): Promise<void> };
let configPath: string;
/** paramsHash of the plain one-thread run of `config`, which every other way of running it must reproduce. */
let referenceHash: string;

beforeAll(async () => {
  dir = await temporaryFolder("grokedge-cli-train-");
  configPath = join(dir.path, "run.json");
  await writeFile(configPath, JSON.stringify(config));
});
afterAll(() => dir.remove());

describe("grokedge train", () => {
  it("prints a line per evaluation and the summary, and writes the result whole", async () => {
    const outPath = join(dir.path, "result.json");
    const { code, out, err } = await runCli(["train", "--config", configPath, "--out", outPath]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/^training mlp on a add b mod 23: 40 steps, 5 evaluations, \d+ parameters/);
    expect(out).toMatch(/step  0\/40 .*step 10\/40 .*step 20\/40 .*step 30\/40 .*step 40\/40/s);
    referenceHash = hashOf(out)!;
    expect(referenceHash).toBeDefined();
    const result = runResultSchema.parse(JSON.parse(await readFile(outPath, "utf8")));
    expect(result.summary.paramsHash).toBe(referenceHash);
    expect(out).toContain(`result written to ${outPath}`);
    expect((await readdir(dir.path)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("--json prints start, an eval per evaluation and done as JSON lines; --threads 2 gives the same paramsHash", async () => {
    const { code, out } = await runCli(["train", "--config", configPath, "--json", "--threads", "2"]);
    expect(code).toBe(0);
    const events = out.split("\n").map((line) => JSON.parse(line));
    expect(events.map((e) => e.event)).toEqual(["start", "eval", "eval", "eval", "eval", "eval", "done"]);
    expect(events[0]).toMatchObject({ steps: 40, fromStep: 0, threads: 2, evaluations: 5 });
    expect(events[0].flopsPerRun).toBeGreaterThan(0);
    expect(events.slice(1, 6).map((e) => e.step)).toEqual([0, 10, 20, 30, 40]);
    expect(events[5].etaSeconds === null || events[5].etaSeconds < 1).toBe(true);
    expect(events[6].meta).toMatchObject({ build: "simd-threads", threads: 2 });
    expect(events[6].summary.paramsHash).toBe(referenceHash);
  });

  it("draws a progress bar with losses, accuracies, pace and ETA on a terminal, and the summary on stdout", async () => {
    const { code, out, screen } = await runCli(["train", "--config", configPath], { terminal: true });
    expect(code).toBe(0);
    expect(screen).toMatch(/40\/40 \| loss train \d\.\d\de[-+]\d+ test \d\.\d\de[-+]\d+ \| acc train \d\.\d{3} test \d\.\d{3} \| \d+\.\d steps\/s \| ETA (\d+ s|…)/);
    expect(out).not.toMatch(/^step /m);
    expect(hashOf(out)).toBe(referenceHash);
  });

  it("trains a preset with --set overrides applied before validation", async () => {
    const { code, out } = await runCli(["train", "--preset", "doshi-2023", "--set", "steps=2", "--set", "evalInterval=1", "--set", "optimizer.weightDecay=0.5", "--set", "model.hidden[0]=16", "--json"]);
    expect(code).toBe(0);
    const start = JSON.parse(out.split("\n")[0]);
    expect(start.config).toMatchObject({ task: { p: 97 }, steps: 2, evalInterval: 1, optimizer: { weightDecay: 0.5, lr: 0.01 }, model: { hidden: [16], activation: "square" } });
  });

  it("checkpoints every N steps bit-exactly, is interrupted by Ctrl-C, and resumes to the same paramsHash", async () => {
    const checkpoint = join(dir.path, "run.ckpt");
    const whole = await runCli(["train", "--config", configPath, "--checkpoint-every", "15", "--checkpoint", checkpoint]);
    expect(whole.code).toBe(0);
    expect(whole.out).toMatch(/checkpoint at step 15 written to .*run\.ckpt\n.*\n?checkpoint at step 30/s);
    expect(hashOf(whole.out)).toBe(referenceHash);

    const stopped = await runCli(["train", "--config", configPath, "--checkpoint-every", "10", "--checkpoint", checkpoint], {
      onLine: (line, _stream, interrupt) => line.startsWith("checkpoint at step 20") && interrupt(),
    });
    expect(stopped.code).toBe(130);
    expect(stopped.err).toMatch(/^error: interrupted at step 20; the last checkpoint is .*run\.ckpt \(grokedge train --resume .*run\.ckpt\)$/);
    expect((await readdir(dir.path)).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const resumed = await runCli(["train", "--resume", checkpoint, "--json"]);
    expect(resumed.code).toBe(0);
    const events = resumed.out.split("\n").map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ event: "start", fromStep: 20, steps: 40 });
    expect(events.filter((e) => e.event === "eval").map((e) => e.step)).toEqual([30, 40]);
    expect(events.at(-1).summary.paramsHash).toBe(referenceHash);
  });

  it.each([
    [["train"], /give the run: --config FILE, --preset NAME or --resume FILE/],
    [["train", "--config", "a.json", "--preset", "doshi-2023"], /give only one of --config, --preset/],
    [["train", "--preset", "nope"], /no run preset "nope"; there are: doshi-2023/],
    [["train", "--config", "/nonexistent.json"], /cannot read run config \/nonexistent\.json: ENOENT/],
    [["train", "--config", "x.json", "--threads", "0"], /option '--threads <n>' argument '0' is invalid\. expected an integer from 1 to 64/],
    [["train", "--config", "x.json", "--checkpoint-every", "5"], /--checkpoint-every N and --checkpoint FILE go together/],
    [["train", "--bogus"], /unknown option '--bogus'/],
    [["train", "--preset", "doshi-2023", "--set", "steps"], /--set steps: expected path=value/],
    [["train", "--preset", "doshi-2023", "--set", "model..hidden=1"], /"model\.\.hidden" is not a field path/],
  ])("exits 2 on bad usage with the reason: %j", async (args, message) => {
    const { code, out, err } = await runCli(args as string[]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe("");
  });

  it.each([
    [["--set", "optimizer.lrr=0.1"], /optimizer: Unrecognized key: "lrr"/],
    [["--set", "steps=many"], /steps: .*expected number/i],
    [["--set", "steps=0"], /steps: Too small/],
    [["--set", "model.hidden[0]=-3"], /model\.hidden\[0\]: Too small/],
    [["--set", "steps.count=3"], /--set steps\.count=3: steps is 40, not an object or a list/],
    [["--set", "model.hidden.width=3"], /model\.hidden is a list; index it with \[n\], not \.width/],
  ])("a bad --set path or value gets the schema's error naming the field, exit 2: %j", async (set, message) => {
    const { code, out, err } = await runCli(["train", "--config", configPath, ...(set as string[])]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe("");
  });

  it("names the bad field of an invalid config file (exit 2)", async () => {
    const bad = join(dir.path, "bad.json");
    await writeFile(bad, JSON.stringify({ ...config, optimizer: { kind: "adamw", lr: -1 } }));
    const { code, err } = await runCli(["train", "--config", bad]);
    expect(code).toBe(2);
    expect(err).toMatch(/bad\.json: invalid run config:\n\s+optimizer\.lr: Too small/);
  });

  it("refuses an --out it could not write, and a damaged checkpoint, before training (exit 2)", async () => {
    const unwritable = await runCli(["train", "--config", configPath, "--out", join(dir.path, "no-such-folder", "result.json")]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.err).toMatch(/--out .*no-such-folder.*result\.json: cannot write there: ENOENT/);
    expect(unwritable.out).toBe("");
    const garbage = join(dir.path, "garbage.ckpt");
    await writeFile(garbage, "not a checkpoint");
    const damaged = await runCli(["train", "--resume", garbage]);
    expect(damaged.code).toBe(2);
    expect(damaged.err).toMatch(/^error: checkpoint .*garbage\.ckpt: not a grokedge checkpoint/);
  });

  it("exits 1 with one line when the run itself fails, the stack only with --debug", async () => {
    const huge = join(dir.path, "huge.json");
    // Valid, but its activations need more than the 4 GiB a wasm memory can hold.
    await writeFile(huge, JSON.stringify({ ...config, task: { kind: "modular", p: 257, op: "add", trainFraction: 0.9 }, model: { kind: "mlp", input: "onehot", hidden: [100_000] } }));
    const plain = await runCli(["train", "--config", huge]);
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/^error: training failed: arena: cannot grow wasm memory[^\n]*$/);
    const debug = await runCli(["train", "--config", huge, "--debug"]);
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/^error: training failed: arena: cannot grow wasm memory.*\n.*\n\s+at /s);
  });
});
