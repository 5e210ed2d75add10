import type { ImageRuntimeConfig } from "./oci-schemas.js";
import type { Platform } from "./platform.js";
import type { PullProgress } from "./pull/install-image.js";
import type { CredentialSource } from "./registry/docker-config.js";

/** When `resolve` asks the registry about a tag. */
export type PullPolicy =
  /** Only when the cache has no image for the tag (Docker's `docker run` behaviour). Default. */
  | "missing"
  /** Every time, serving the cached image when the registry cannot be reached. */
  | "always"
  /** Never: the cache only (fails `not_found` for an image it lacks). */
  | "never";

/** Options of `new ImageStore(options)`. */
export interface ImageStoreOptions {
  /** The provider's state directory; the cache is `<stateDir>/images` (mode 0700). */
  readonly stateDir: string;
  /**
   * Directories under which `dir:`, `tar:`, `oci:` and `oci-archive:` images may lie (never `/`).
   * Without any, host-path images are refused: images are the operator's choice.
   */
  readonly imageRoots?: readonly string[] | undefined;
  /** Registry credentials; default: the user's Docker config (`$DOCKER_CONFIG` or `~/.docker`). */
  readonly credentials?: CredentialSource | undefined;
  /** Where the default credential lookup reads `config.json`; default `$DOCKER_CONFIG`, else `~/.docker`. */
  readonly dockerConfigDir?: string | undefined;
  /** Registries that may be spoken to over plain HTTP, as `host:port`. Loopback registries always may. */
  readonly insecureRegistries?: readonly string[] | undefined;
  /** Mirrors tried before a registry: `{ "docker.io": ["mirror.example.com", "http://10.0.0.5:5000"] }`. */
  readonly mirrors?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Platform picked from multi-platform images; default the host's (`linux/amd64` on x64). */
  readonly platform?: Platform | undefined;
  /** Default `missing`. */
  readonly pull?: PullPolicy | undefined;
  /** Uid and gid layers are extracted as when the store runs as root; default 65534 (nobody). */
  readonly extractUid?: number | undefined;
  /** Largest compressed layer accepted; default 16 GiB. */
  readonly maxLayerBytes?: number | undefined;
  /** Largest unpacked image (file bytes, all layers); default 64 GiB. */
  readonly maxImageBytes?: number | undefined;
  /** Most tar entries in one image, all layers; default 2,000,000. */
  readonly maxEntries?: number | undefined;
  /** Deadline for a registry's response headers; default 30 s. */
  readonly requestTimeoutMs?: number | undefined;
  /** Longest stall of a download before it fails `unavailable`; default 30 s. */
  readonly idleTimeoutMs?: number | undefined;
}

/** Options of one `resolve`. */
export interface ResolveOptions {
  readonly signal?: AbortSignal | undefined;
  /** Called as layer bytes arrive (and once per layer the cache already had). */
  readonly onProgress?: ((event: PullProgress) => void) | undefined;
  readonly pull?: PullPolicy | undefined;
  readonly platform?: Platform | undefined;
}

/** A resolved `runtime.image`: what a sandbox of it mounts and how it runs. */
export interface ResolvedImage {
  /** `host`: the host's own /usr and /etc; `dir`: an operator's directory; `image`: a cached rootfs. */
  readonly kind: "host" | "dir" | "image";
  /** The reference in canonical form (`docker.io/library/python:3.12-slim`, `oci:/srv/images/x:1`). */
  readonly reference: string;
  /** The platform manifest's digest (a tarball's own digest for `tar:`); undefined for host and dir. */
  readonly digest: string | undefined;
  /** The root filesystem to mount read-only; undefined for `host`. Never write to it. */
  readonly rootfsDir: string | undefined;
  readonly config: ImageRuntimeConfig;
  /** `linux/amd64` style, when known. */
  readonly platform: string | undefined;
  /** True when nothing had to be fetched or unpacked. */
  readonly cached: boolean;
}

/** One installed image, as `list()` reports it. */
export interface CachedImage {
  readonly digest: string;
  readonly references: readonly string[];
  readonly platform: string | undefined;
  readonly rootfsDir: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
}

/** Options of `prune`. */
export interface PruneImagesOptions {
  /** Keep this many most recently used images. */
  readonly keepLast: number;
  /** Digests (or references) to keep whatever their age, e.g. those of running sandboxes. */
  readonly keep?: readonly string[] | undefined;
}

/** What `prune` removed. */
export interface PruneImagesResult {
  readonly removed: readonly string[];
  readonly removedBlobs: number;
  readonly freedBlobBytes: number;
}

/** The config of an image that has none (`host`, `dir:`, `tar:`). */
export const EMPTY_CONFIG: ImageRuntimeConfig = Object.freeze({
  env: Object.freeze({}),
  entrypoint: Object.freeze([]) as readonly string[],
  cmd: Object.freeze([]) as readonly string[],
  workdir: "/",
  user: "",
  labels: Object.freeze({}),
});
