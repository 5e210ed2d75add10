/**
 * The local provider's OCI image machinery: reference parsing, a registry client, a
 * content-addressed cache and safe layer extraction. Not yet used by `LocalProvider` itself.
 */

export { checkImageRoots, type ImageRootMatch, resolveImageRoot } from "./image-roots.js";
export { ImageStore } from "./image-store.js";
export type {
  CachedImage,
  ImageStoreOptions,
  PruneImagesOptions,
  PruneImagesResult,
  PullPolicy,
  ResolvedImage,
  ResolveOptions,
} from "./image-store-options.js";
export type { ImageRuntimeConfig } from "./oci-schemas.js";
export { formatPlatform, hostPlatform, type Platform } from "./platform.js";
export type { PullProgress } from "./pull/install-image.js";
export {
  IMAGE_REFERENCE_FORMS,
  type ImageSource,
  parseImageReference,
  parseRegistryReference,
  type RegistryReference,
} from "./reference.js";
export type { CredentialSource, DockerConfigOptions, RegistryCredentials } from "./registry/docker-config.js";
export { dockerConfigCredentials } from "./registry/docker-config.js";
