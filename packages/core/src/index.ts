/**
 * `@openlattice/core`: the Provider spec v1 that every openlattice backend implements, its
 * schemas and typed errors, retry and redaction utilities, and the `Sandbox` handle.
 */
export * from "./errors/index.js";
export {
  type FaultableMethod,
  type FaultOptions,
  type FaultStats,
  type FaultyProvider,
  withFaults,
} from "./faults/with-faults.js";
export { type OpenSandboxOptions, openSandbox, restoreSandbox, Sandbox } from "./handle/sandbox.js";
export { provisionSpecJsonSchema } from "./json-schema.js";
export * from "./provider/v1/index.js";
export {
  collectorsFor,
  createExecResult,
  exitCodeForSignal,
  type OutputCallbacks,
  OutputCollector,
  runSetupCommand,
  SETUP_OUTPUT_TAIL_BYTES,
  type SetupCommandRun,
} from "./provider-kit/index.js";
export {
  containsSecret,
  isRegisteredSecret,
  MIN_SECRET_LENGTH,
  REDACTED,
  redact,
  redactDeep,
  registerSecret,
  unregisterSecret,
} from "./redaction/secrets.js";
export { type RetryPolicy, retryDelayBounds, withRetry } from "./retry/with-retry.js";
export { assertProvider } from "./validation/assert-provider.js";
export {
  type ExecRequest,
  MAX_ARGV_BYTES,
  MAX_TIMEOUT_MS,
  parseExecRequest,
  parsePty,
} from "./validation/parse-exec-request.js";
export {
  type ProcessStartRequest,
  parseProcessStart,
  parseTerminalSize,
} from "./validation/parse-process-start.js";
export {
  checkSpecAgainstCapabilities,
  mergeSpec,
  parseProvisionSpec,
} from "./validation/parse-provision-spec.js";
export { parseSnapshotRef } from "./validation/parse-snapshot-ref.js";
export { formatFieldPath } from "./validation/zod-error.js";
