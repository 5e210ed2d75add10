/**
 * `@openlattice/modal`: the Modal provider for openlattice (on `modal` 0.11.1) and an offline
 * Modal emulator that the unmodified SDK can talk to.
 */
export type { RecordedCall } from "./emulator/call-recorder.js";
export { CallRecorder } from "./emulator/call-recorder.js";
export { FaultInjector, type FaultRule } from "./emulator/fault-injector.js";
export {
  loadModalDefinitions,
  loadModalDefinitionsFrom,
  type ModalDefinitions,
  ModalDefinitionsNotFoundError,
  type ServiceDefinitionLike,
} from "./emulator/load-definitions.js";
export { type ModalEmulator, type ModalEmulatorOptions, startModalEmulator } from "./emulator/modal-emulator.js";
export type { TlsMaterial } from "./emulator/tls-certificate.js";
export { modalCapabilities } from "./provider/capabilities.js";
export { DEFAULT_GPU_SCHEDULING_TIMEOUT_MS } from "./provider/create-sandbox.js";
export { DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS } from "./provider/durations.js";
export { DEFAULT_GPU_TYPE, MAX_GPU_COUNT, MODAL_GPU_TYPES, type ModalGpuType } from "./provider/gpu.js";
export { DEFAULT_HEALTH_TIMEOUT_MS, type HealthFailureKind } from "./provider/health-check.js";
export {
  ATTEMPT_TAG,
  CREATED_TAG,
  IDEMPOTENCY_TAG,
  MANAGED_TAG,
  OWNER_TAG,
  RUN_TAG,
  TAILSCALE_TAG,
} from "./provider/labels.js";
export { type ErrorContext, GrpcStatus, mapModalError } from "./provider/map-modal-error.js";
export { ModalProvider } from "./provider/modal-provider.js";
export type { ModalProviderOptions, ModalTailscaleOptions } from "./provider/modal-provider-options.js";
export { type SweepOptions, type SweepReport, sweepSandboxes } from "./provider/sweep-sandboxes.js";
