/**
 * Where a command's output goes and what it reads from its surroundings, so that tests drive
 * main(argv, io) in-process: lines on stdout and stderr, the environment, the terminal for live
 * displays (progress bars, redrawn tables) when there is one, and Ctrl-C.
 */
export interface Terminal extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  /** One line of output (results, tables, JSON) on stdout. */
  out(line: string): void;
  /** One line of diagnostics (errors, progress lines) on stderr. */
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** A terminal for live displays; undefined when stderr is not one (piped, in CI): plain lines then. */
  terminal?: Terminal;
  /** Calls `handler` on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

function processInterrupts(handler: () => void): () => void {
  process.on("SIGINT", handler);
  return () => process.off("SIGINT", handler);
}

/** The process's own streams, environment and signals. */
export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    env: process.env,
    terminal: process.stderr.isTTY ? process.stderr : undefined,
    onInterrupt: processInterrupts,
  };
}

/**
 * Fills what a caller left out. Given `out`/`err` (a test, an embedding script), there is no
 * terminal unless one is passed: a live display would otherwise go to the real stderr.
 */
export function completeIo(io: Partial<CliIo>): CliIo {
  if (io.out === undefined && io.err === undefined) return { ...processIo(), ...io };
  return {
    out: io.out ?? ((line) => process.stdout.write(line + "\n")),
    err: io.err ?? ((line) => process.stderr.write(line + "\n")),
    env: io.env ?? process.env,
    terminal: io.terminal,
    onInterrupt: io.onInterrupt ?? processInterrupts,
  };
}
