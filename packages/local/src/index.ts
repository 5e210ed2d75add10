/**
 * `@openlattice/local`: the embedded openlattice provider. Every sandbox is driven by a small
 * agent: inside a bubblewrap namespace sandbox (rootless too) where user namespaces work, or
 * directly on the host in a private workspace (the honest `none` tier) where they do not.
 */
export type { CgroupLayout, V1Controller } from "./host/cgroup-layout.js";
export type { HostIdRange } from "./host/host-ids.js";
export { type IsolationProbe, type NamespaceTools, type ProbeOptions, probeIsolation } from "./host/probe.js";
export { DEFAULT_SECCOMP_SUMMARY, type SeccompOption } from "./host/seccomp.js";
export {
  type CachedImage,
  type CredentialSource,
  type DockerConfigOptions,
  dockerConfigCredentials,
  type ImageRuntimeConfig,
  ImageStore,
  type ImageStoreOptions,
  type Platform,
  type PruneImagesOptions,
  type PruneImagesResult,
  type PullPolicy,
  type PullProgress,
  type RegistryCredentials,
  type ResolvedImage,
  type ResolveOptions,
} from "./images/index.js";
export { imageProgressPrinter } from "./images/provider/progress-printer.js";
export type { ProviderImageOptions } from "./images/provider/provider-image-options.js";
export type { ImageProgressEvent } from "./images/provider/provider-images.js";
export { LocalProvider, type PruneOptions, pruneSnapshots } from "./local-provider.js";
export {
  defaultStateDir,
  type IsolationPreference,
  type IsolationTier,
  type LocalProviderOptions,
  type WarmPoolOptions,
} from "./options.js";
export type { PruneResult } from "./snapshots/snapshot-store.js";
export type { ReapReport } from "./state/reaper.js";
