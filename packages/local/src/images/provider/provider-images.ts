import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { InvalidArgumentError, UnsupportedError } from "@openlattice/core";
import { singleFlight } from "../cache/single-flight.js";
import { ImageStore } from "../image-store.js";
import type { PruneImagesResult, ResolvedImage } from "../image-store-options.js";
import type { ImageRuntimeConfig } from "../oci-schemas.js";
import type { PullProgress } from "../pull/install-image.js";
import { type ImageSource, parseImageReference } from "../reference.js";
import { type ImageUser, resolveImageUser } from "./image-user.js";
import type { ProviderImageOptions } from "./provider-image-options.js";

/** One progress event of a provision's image pull, with the image it is for. */
export type ImageProgressEvent = PullProgress & { readonly image: string };

/** What a sandbox of an image mounts and how it runs (see `ProviderImages.prepare`). */
export type PreparedImage =
  | { readonly kind: "host" }
  /** An operator's directory, bound read-only entry by entry. */
  | { readonly kind: "dir"; readonly path: string }
  /**
   * A cached rootfs, shared read-only by every sandbox of its digest: the sandbox gets an
   * overlay of it with a writable layer of its own.
   */
  | {
      readonly kind: "image";
      readonly reference: string;
      readonly digest: string;
      readonly rootfsDir: string;
      readonly config: ImageRuntimeConfig;
      readonly user: ImageUser;
    };

/** Image kinds of `capabilities.constraints.imageKinds` in the namespace tier. */
export const PROVIDER_IMAGE_KINDS = [
  "host",
  "<registry reference> (python:3.12-slim, ghcr.io/o/i:tag, localhost:5000/x:y, name@sha256:…)",
  "oci:<dir>[:tag]",
  "oci-archive:<file>[:tag]",
  "dir:<path under imageRoots>",
  "tar:<path under imageRoots>",
] as const;

/**
 * The local provider's side of the image store: parses `runtime.image` at admission, resolves
 * it (pulling what the cache lacks) at provision, and hands each rootfs to the uid sandboxes run
 * as, so that their overlays can copy its files up (see `agent/src/overlay.c`).
 */
export class ProviderImages {
  readonly store: ImageStore;
  private readonly owner: { uid: number; gid: number } | undefined;
  private readonly onProgress: ((event: ImageProgressEvent) => void) | undefined;

  constructor(stateDir: string, options: ProviderImageOptions, owner: { uid: number; gid: number } | undefined) {
    this.store = new ImageStore({ ...options.images, stateDir, imageRoots: options.imageRoots });
    this.owner = owner;
    this.onProgress = options.onImageProgress;
  }

  /** Parses `runtime.image` (syntax only); throws `invalid_argument` on `runtime.image`. */
  static parse(image: string | undefined): ImageSource {
    return parseImageReference(image);
  }

  /**
   * Resolves `image` for one sandbox. `dir:` and every host-path image must lie under the
   * operator's `imageRoots`; registry images are pulled unless cached (typed errors of
   * `ImageStore.resolve`).
   */
  async prepare(image: string | undefined, signal: AbortSignal | undefined): Promise<PreparedImage> {
    const source = parseImageReference(image);
    if (source.kind === "host") return { kind: "host" };
    const shown = image ?? "host";
    const onProgress = this.onProgress;
    const resolved = await this.store.resolve(image, {
      signal,
      ...(onProgress ? { onProgress: (event: PullProgress) => onProgress({ ...event, image: shown }) } : {}),
    });
    if (resolved.kind === "dir") return { kind: "dir", path: resolved.rootfsDir as string };
    return this.imageOf(resolved);
  }

  private async imageOf(resolved: ResolvedImage): Promise<PreparedImage> {
    const rootfsDir = resolved.rootfsDir;
    const digest = resolved.digest;
    if (!rootfsDir || !digest) {
      throw new UnsupportedError("image", `runtime.image: ${resolved.reference} has no root filesystem`, {
        provider: "local",
      });
    }
    await this.adopt(rootfsDir);
    return {
      kind: "image",
      reference: resolved.reference,
      digest,
      rootfsDir,
      config: resolved.config,
      user: await resolveImageUser(resolved.config.user, rootfsDir, resolved.reference),
    };
  }

  /**
   * As root, the store hands every rootfs to root; sandboxes run as an unprivileged host uid,
   * and an overlay copies a file up only for an owner it can map. So the tree is given, once, to
   * that uid: it stays unreachable by path (the cache is 0700), and each sandbox writes to its
   * own upper layer, never to it. Unprivileged, the tree is the invoking user's already.
   */
  private async adopt(rootfsDir: string): Promise<void> {
    const owner = this.owner;
    if (!owner) return;
    await singleFlight(`adopt\n${rootfsDir}`, async () => {
      const stats = await stat(rootfsDir);
      if (stats.uid === owner.uid && stats.gid === owner.gid) return;
      await new Promise<void>((resolve, reject) => {
        execFile(
          "chown",
          ["-hRP", `${owner.uid}:${owner.gid}`, "--", rootfsDir],
          { env: { PATH: "/usr/bin:/bin" } },
          (error, _out, stderr) =>
            error
              ? reject(
                  new InvalidArgumentError("runtime.image", `cannot prepare ${rootfsDir}: ${stderr || error.message}`, {
                    provider: "local",
                  }),
                )
              : resolve(),
        );
      });
    });
  }

  /** `ImageStore.prune`, keeping the images of `inUse` (digests of live sandboxes). */
  prune(keepLast: number, inUse: readonly string[]): Promise<PruneImagesResult> {
    return this.store.prune({ keepLast, keep: inUse });
  }
}
