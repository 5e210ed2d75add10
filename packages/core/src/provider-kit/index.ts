export { createExecResult, exitCodeForSignal } from "./exec-result.js";
export { OutputCollector } from "./output-collector.js";
