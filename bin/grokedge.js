#!/usr/bin/env node
import { main } from "../dist/src/cli/index.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    // main() reports every failure itself; this is a bug in the CLI.
    console.error(error);
    process.exit(1);
  },
);
