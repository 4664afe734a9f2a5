/**
 * Exit codes and the errors that carry them. A command throws; main() turns the error into one line
 * on stderr (the stack only with --debug) and this exit code.
 */
import { CheckpointError, RunConfigError } from "../index.js";
import { ApiFailure } from "../client/volunteer-api.js";

export const EXIT = {
  ok: 0,
  /** Anything else that failed: a run, a request the API refused, a file that could not be written. */
  failure: 1,
  /** Bad usage: an unknown option, a bad run config, sweep spec, --set, checkpoint, file or token setup. */
  usage: 2,
  /** The API could not be reached (after retrying). */
  unreachable: 3,
  /** Training interrupted by Ctrl-C. */
  interrupted: 130,
} as const;

/** What every --help ends with. */
export const EXIT_CODES_HELP = `Exit status:
  0    done
  1    failed (the run, a request the API refused, a file); one line on stderr saying why
  2    bad usage: unknown option, bad run config or sweep spec (the field is named), bad --set,
       unreadable file or checkpoint, missing or unsafe admin token
  3    the API could not be reached after retrying (the URL and the failure are named)
  130  \`train\` interrupted by Ctrl-C (with --checkpoint, resume with --resume)
Add --debug to any command for stack traces.`;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** Bad input from the user: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.usage, options);
    this.name = "UsageError";
  }
}

/** The API did not answer: exit 3. */
export class UnreachableError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.unreachable, options);
    this.name = "UnreachableError";
  }
}

/** The exit code and the message for any error a command threw. */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof RunConfigError || error instanceof CheckpointError) return { exitCode: EXIT.usage, message: error.message };
  if (error instanceof ApiFailure) {
    if (error.status === 0) return { exitCode: EXIT.unreachable, message: `cannot reach the API: ${error.message}` };
    // 400 and 413: what we sent was bad — the user's sweep spec (the API names the field) or query.
    return { exitCode: error.status === 400 || error.status === 413 ? EXIT.usage : EXIT.failure, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT.failure, message: message.split("\n")[0] || "unknown error" };
}
