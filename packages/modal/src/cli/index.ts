/** Entry points of the package's command-line tools (the `bin/` stubs import this). */
export { runEmulatorCli } from "./emulator-cli.js";
export { runSweepCli } from "./sweep-cli.js";
