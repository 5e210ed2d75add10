#!/usr/bin/env node
import { runSweepCli } from "../dist/cli.js";

runSweepCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`openlattice-modal-sweep: ${error?.message ?? error}\n`);
    process.exit(1);
  },
);
