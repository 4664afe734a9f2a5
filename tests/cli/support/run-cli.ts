/**
 * Runs the CLI in-process through main(argv, io): captured stdout and stderr lines, an environment
 * of the test's own (a temporary HOME, so no real config or token is read), Ctrl-C on demand and,
 * when asked, a fake terminal that records what live displays draw.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../../src/cli/index.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** What was drawn on the fake terminal (with ANSI sequences), if one was given. */
  screen: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Give the CLI a terminal (progress bars, redrawn tables). */
  terminal?: boolean;
  /** Receives a function that presses Ctrl-C, and every line as it is printed. */
  onLine?: (line: string, stream: "out" | "err", interrupt: () => void) => void;
}

export class FakeTerminal extends PassThrough {
  readonly isTTY = true;
  readonly columns = 160;
  text = "";
  constructor() {
    super();
    this.on("data", (chunk) => (this.text += String(chunk)));
  }
  cursorTo(_x: number, _y?: number, callback?: () => void) {
    callback?.();
    return true;
  }
  moveCursor(_dx: number, _dy: number, callback?: () => void) {
    callback?.();
    return true;
  }
  clearLine(_dir: number, callback?: () => void) {
    callback?.();
    return true;
  }
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  const out: string[] = [], err: string[] = [];
  const handlers = new Set<() => void>();
  const interrupt = () => handlers.forEach((h) => h());
  const terminal = options.terminal ? new FakeTerminal() : undefined;
  const code = await main(argv, {
    out: (line) => {
      out.push(line);
      options.onLine?.(line, "out", interrupt);
    },
    err: (line) => {
      err.push(line);
      options.onLine?.(line, "err", interrupt);
    },
    env: options.env ?? {},
    terminal,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  });
  return { code, out: out.join("\n"), err: err.join("\n"), screen: terminal?.text ?? "" };
}

/** A temporary folder for a test file, removed afterwards. */
export async function temporaryFolder(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
