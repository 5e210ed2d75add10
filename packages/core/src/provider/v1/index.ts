export type {
  Architecture,
  Capabilities,
  CapabilityConstraints,
  ExecStreamingMode,
  IsolationMode,
  SnapshotType,
} from "./capabilities.js";
export { DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, type ExecResult, MAX_OUTPUT_BYTES_LIMIT } from "./exec.js";
export {
  EXTENSION_NAMES,
  type ExtensionName,
  type ExtensionOf,
  type Extensions,
  type FileEntry,
  type FileStat,
  type FilesExtension,
  type FileType,
  type LifecycleExtension,
  type MetricsExtension,
  type MetricsSample,
  type NetworkExtension,
} from "./extensions.js";
export type {
  FileEvent,
  FileEventType,
  FileStreamsExtension,
  FileWatchExtension,
  LifetimeExtension,
  ReadStreamOptions,
  WatchOptions,
  WriteStreamOptions,
} from "./file-streams.js";
export type { HealthReport } from "./health.js";
export type {
  OutputStreamCallbacks,
  ProcessAttachOptions,
  ProcessesExtension,
  ProcessHandle,
  ProcessInfo,
  ProcessStartOptions,
  ProcessState,
} from "./processes.js";
export { type ListFilter, type Provider, type ProvisionOptions, SPECIFICATION_VERSION } from "./provider.js";
export {
  DurationSchema,
  type DurationSpec,
  type EgressPolicy,
  EgressSchema,
  EnvSchema,
  GpuSchema,
  type GpuSpec,
  LABEL_KEY_PATTERN,
  LabelsSchema,
  NAME_PATTERN,
  NetworkSchema,
  type NetworkSpec,
  PortSchema,
  type ProvisionSpec,
  ProvisionSpecSchema,
  ResourcesSchema,
  type ResourcesSpec,
  RuntimeSchema,
  type RuntimeSpec,
  SandboxPathSchema,
  type ValidProvisionSpec,
} from "./provision-spec.js";
export {
  SANDBOX_STATUSES,
  type SandboxInfo,
  type SandboxNode,
  type SandboxResources,
  type SandboxStatus,
} from "./sandbox-info.js";
export { type SnapshotRef, SnapshotRefSchema } from "./snapshot.js";
