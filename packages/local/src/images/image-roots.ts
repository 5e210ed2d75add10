import path from "node:path";
import { InvalidArgumentError } from "@openlattice/core";

/** Where an image path was found to lie. */
export interface ImageRootMatch {
  /** The operator's root that contains the image. */
  readonly root: string;
  /** The image's path with every symlink resolved (what must be used from now on). */
  readonly path: string;
}

/**
 * Checks a caller-supplied host path (`dir:`, `tar:`, `oci:`, `oci-archive:`) against the roots
 * the operator configured (`imageRoots`). Images are the operator's choice, not the caller's: a
 * path outside every root, or any path when no root is configured, is refused with
 * `invalid_argument` on `field`; a root of `/` is refused as an operator mistake (it would expose
 * the whole host). `realpath` resolves symlinks (the provider passes `fs.realpathSync.native`)
 * so that `/srv/images/evil -> /` cannot pass; both the written and the resolved path must be
 * inside a root. The function has no other side effect.
 */
export function resolveImageRoot(
  imagePath: string,
  imageRoots: readonly string[] | undefined,
  options: { field?: string; realpath?: (p: string) => string } = {},
): ImageRootMatch {
  const field = options.field ?? "runtime.image";
  const roots = checkImageRoots(imageRoots);
  if (!path.isAbsolute(imagePath)) {
    throw new InvalidArgumentError(field, `needs an absolute host path, got ${JSON.stringify(imagePath)}`, {
      provider: "local",
    });
  }
  if (roots.length === 0) {
    throw new InvalidArgumentError(
      field,
      `${JSON.stringify(imagePath)} is a host path, and the operator has configured no image roots; ` +
        "host-path images must lie under a directory listed in LocalProviderOptions.imageRoots (use a registry image otherwise)",
      { provider: "local" },
    );
  }
  const written = path.resolve(imagePath);
  let real: string;
  try {
    real = options.realpath ? options.realpath(written) : written;
  } catch (error) {
    throw new InvalidArgumentError(field, `${JSON.stringify(imagePath)} does not exist`, {
      provider: "local",
      cause: error,
    });
  }
  const outside = () =>
    new InvalidArgumentError(
      field,
      `${JSON.stringify(imagePath)} is not under any configured image root (${roots.join(", ")}); ` +
        "ask the operator to place the image there",
      { provider: "local", details: { imageRoots: roots } },
    );
  const writtenRoot = roots.find((root) => within(written, root));
  if (writtenRoot === undefined) throw outside();
  // A root may itself be a symlink (`/srv/images -> /data/images`): compare resolved with resolved.
  const realRoot = roots.map((root) => realOrSame(root, options.realpath)).find((root) => within(real, root));
  if (realRoot === undefined) throw outside();
  return { root: realRoot, path: real };
}

/**
 * Validates the operator's `imageRoots` option: absolute paths, never `/`. Returns them
 * normalized. Throws `invalid_argument` on `imageRoots`.
 */
export function checkImageRoots(imageRoots: readonly string[] | undefined): string[] {
  const roots: string[] = [];
  for (const root of imageRoots ?? []) {
    if (typeof root !== "string" || !path.isAbsolute(root)) {
      throw new InvalidArgumentError(
        "imageRoots",
        `each image root must be an absolute path, got ${JSON.stringify(root)}`,
        {
          provider: "local",
        },
      );
    }
    const normalized = path.resolve(root);
    if (normalized === path.parse(normalized).root) {
      throw new InvalidArgumentError(
        "imageRoots",
        "an image root of / would let every caller use any host directory as an image; name the directories that hold images",
        { provider: "local" },
      );
    }
    roots.push(normalized);
  }
  return roots;
}

function realOrSame(root: string, realpath: ((p: string) => string) | undefined): string {
  try {
    return realpath ? realpath(root) : root;
  } catch {
    return root;
  }
}

function within(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
