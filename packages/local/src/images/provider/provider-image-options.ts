import type { ImageStoreOptions } from "../image-store-options.js";
import type { ImageProgressEvent } from "./provider-images.js";

/** The image options of `LocalProviderOptions`. */
export interface ProviderImageOptions {
  /**
   * Directories under which `dir:`, `tar:`, `oci:` and `oci-archive:` images may lie (never
   * `/`). Without any, host-path images are refused: images are the operator's choice, not the
   * caller's. Registry images need no root.
   */
  readonly imageRoots?: readonly string[] | undefined;
  /** Registry and cache settings (credentials, mirrors, insecure registries, pull policy, limits). */
  readonly images?: Omit<ImageStoreOptions, "stateDir" | "imageRoots" | "extractUid"> | undefined;
  /** Called as image layers download (bytes per layer), for progress displays. */
  readonly onImageProgress?: ((event: ImageProgressEvent) => void) | undefined;
}
