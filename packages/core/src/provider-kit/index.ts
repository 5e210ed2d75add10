export { createExecResult, exitCodeForSignal } from "./exec-result.js";
export { collectorsFor, type OutputCallbacks, OutputCollector } from "./output-collector.js";
export { runSetupCommand, SETUP_OUTPUT_TAIL_BYTES, type SetupCommandRun } from "./setup-command.js";
