/**
 * The `grokedge` command line: train, sweep, volunteer, bench (bin/grokedge.js calls main). A command
 * throws on failure; main() prints one line on stderr (the stack only with --debug) and returns the
 * exit code (errors.ts), so tests call main(argv, io) in-process.
 */
import { Command, CommanderError } from "commander";
import { benchCommand } from "./bench.js";
import { describeFailure, EXIT, EXIT_CODES_HELP } from "./errors.js";
import { completeIo, type CliIo } from "./io.js";
import { PACKAGE_VERSION } from "./package-info.js";
import { sweepCommand } from "./sweep.js";
import { trainCommand } from "./train.js";
import { volunteerCommand } from "./volunteer.js";

export type { CliIo } from "./io.js";

function program(io: CliIo): Command {
  const root = new Command("grokedge")
    .description("grokking research on bitwise-reproducible WebAssembly training: train runs, run sweeps on the edge API, volunteer this machine, benchmark it.")
    .version(PACKAGE_VERSION, "-V, --version", "print the version")
    .option("--debug", "on failure, print the stack trace too")
    .helpOption("-h, --help", "print help (also: grokedge <command> --help)")
    .addHelpText("after", `\nExamples:\n  grokedge train --preset doshi-2023\n  grokedge sweep create --api http://127.0.0.1:8787 --preset doshi-2023\n  grokedge volunteer --api http://127.0.0.1:8787 --threads 2`)
    // Shown after the help of every command and subcommand.
    .addHelpText("afterAll", `\n${EXIT_CODES_HELP}`);
  for (const command of [trainCommand(io), sweepCommand(io), volunteerCommand(io), benchCommand(io)]) root.addCommand(command);
  // Every command and subcommand: errors through main(), output through io, a hint after a usage error.
  const configure = (command: Command) => {
    command
      .exitOverride()
      .showHelpAfterError("(add --help for usage)")
      .configureOutput({
        writeOut: (text) => io.out(text.replace(/\n$/, "")),
        writeErr: (text) => io.err(text.replace(/\n$/, "")),
      });
    command.commands.forEach(configure);
  };
  configure(root);
  return root;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full = completeIo(io);
  const root = program(full);
  try {
    await root.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are successes; anything else commander rejects is bad usage (it printed why).
      return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code) && error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { exitCode, message } = describeFailure(error);
    full.err(`error: ${message}`);
    if (root.opts().debug && error instanceof Error && error.stack) full.err(error.stack);
    return exitCode;
  }
}
