#!/usr/bin/env node
import { runEmulatorCli } from "../dist/cli.js";

runEmulatorCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`openlattice-modal-emulator: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
