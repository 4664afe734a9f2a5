/**
 * The grokedge program: help for it and every command (exit 0, exit codes documented), --version
 * from package.json, usage errors (exit 2), and bin/grokedge.js running the built CLI.
 */
import { execFile, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { checkpointHeader } from "../../src/index.js";
import { smallMlpConfig } from "../support/configs.js";
import { runCli, temporaryFolder } from "./support/run-cli.js";

const ROOT = new URL("../../", import.meta.url);
const version = JSON.parse(await readFile(new URL("package.json", ROOT), "utf8")).version as string;

const COMMANDS = [["train"], ["sweep"], ["sweep", "create"], ["sweep", "list"], ["sweep", "status"], ["sweep", "results"], ["sweep", "phase"], ["volunteer"], ["bench"]];

describe("grokedge", () => {
  it.each([[["--help"]], [["-h"]], [["help"]]])("prints its help with the commands and the exit codes, exit 0: %j", async (args) => {
    const { code, out, err } = await runCli(args);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: grokedge \[options\] \[command\]/);
    for (const command of ["train", "sweep", "volunteer", "bench"]) expect(out).toMatch(new RegExp(`^  ${command} .*\\S`, "m"));
    expect(out).toMatch(/^Exit status:\n  0 .*\n  1 .*\n  2 .*\n.*\n  3 .*\n  130 /m);
  });

  it.each(COMMANDS)("%s %s --help: usage, every option explained, exit codes; exit 0", async (...command) => {
    // `grokedge help train`, `grokedge sweep help create`: commander's help command, one level at a time.
    for (const args of [[...command, "--help"], [...command.slice(0, -1), "help", command.at(-1)!]]) {
      const { code, out } = await runCli(args);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: grokedge ${command.join(" ")} `));
      // Every option line has a description after the flags.
      for (const line of out.split("\n").filter((l) => /^ {2}-/.test(l))) expect(line).toMatch(/^ {2}-\S.*\s{2,}\S/);
      expect(out).toMatch(/Exit status:/);
    }
  });

  it("prints the version of package.json", async () => {
    for (const flag of ["--version", "-V"]) {
      const { code, out } = await runCli([flag]);
      expect(code).toBe(0);
      expect(out).toBe(version);
    }
  });

  it.each([
    [[], /^Usage: grokedge/],
    [["fly"], /^error: unknown command 'fly'\n\(add --help for usage\)$/],
    [["sweep", "fly"], /^error: unknown command 'fly'/],
    [["sweep", "phase", "some-id", "--x", "a"], /required option '--y <path>' not specified/],
    [["sweep", "phase", "some-id", "--x", "a", "--y", "b", "--show", "all"], /argument 'all' is invalid\. Allowed choices are both, phase, step/],
    [["volunteer", "--until", "soon"], /option '--until <time>' argument 'soon' is invalid\. expected a duration \(90m, 2h, 30s\)/],
    [["volunteer", "--api", "ftp://x"], /--api: expected an http\(s\) URL, got "ftp:\/\/x"/],
    [["bench", "--models", "mlp,cnn"], /expected a comma-separated list of mlp, transformer, mnist/],
  ])("exits 2 on bad usage, saying why on stderr: %j", async (args, message) => {
    const { code, out, err } = await runCli(args as string[]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe("");
  });

  it("runs as bin/grokedge.js from the build (npm run build:ts)", async () => {
    const bin = new URL("bin/grokedge.js", ROOT).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "--version"]);
    expect(stdout).toBe(`${version}\n`);
    const help = await promisify(execFile)(process.execPath, [bin, "train", "--help"]);
    expect(help.stdout).toMatch(/^Usage: grokedge train/);
    const bad = await promisify(execFile)(process.execPath, [bin, "train", "--config", "/nonexistent.json"]).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: cannot read run config /nonexistent.json: ENOENT: no such file or directory, open '/nonexistent.json'\n");
  });

  it("stops a real process on SIGINT (Ctrl-C) with exit 130, its last checkpoint resumable", async () => {
    const dir = await temporaryFolder("grokedge-cli-sigint-");
    try {
      const config = join(dir.path, "long.json"), checkpoint = join(dir.path, "long.ckpt");
      await writeFile(config, JSON.stringify(smallMlpConfig({ steps: 200_000, evalInterval: 1000 })));
      const child = spawn(process.execPath, [new URL("bin/grokedge.js", ROOT).pathname, "train", "--config", config, "--checkpoint-every", "100", "--checkpoint", checkpoint], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
        if (/checkpoint at step 100 /.test(stdout)) child.kill("SIGINT");
      });
      child.stderr.on("data", (d) => (stderr += d));
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(130);
      expect(stderr).toMatch(/^error: interrupted at step \d+; the last checkpoint is .*long\.ckpt \(grokedge train --resume .*long\.ckpt\)\n$/);
      // The checkpoint on disk is whole: a header that parses, at a multiple of 100 steps.
      const header = checkpointHeader(new Uint8Array(await readFile(checkpoint)));
      expect(header.config.steps).toBe(200_000);
      expect(header.step % 100).toBe(0);
      expect(header.step).toBeGreaterThanOrEqual(100);
    } finally {
      await dir.remove();
    }
  });
});
