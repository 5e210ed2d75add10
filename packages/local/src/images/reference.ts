import path from "node:path";
import { InvalidArgumentError, UnsupportedError } from "@openlattice/core";

/** A registry image, normalized the way Docker normalizes `docker pull` arguments. */
export interface RegistryReference {
  readonly kind: "registry";
  /** Registry host (and port) as the user means it; Docker Hub is `docker.io`. */
  readonly registry: string;
  /** Repository path inside the registry; Hub's official images get `library/`. */
  readonly repository: string;
  /** The tag, `latest` when neither a tag nor a digest was written. */
  readonly tag: string | undefined;
  /** `sha256:<hex>` when the reference pins a digest (the digest wins over the tag). */
  readonly digest: string | undefined;
  /** Fully qualified form, e.g. `docker.io/library/python:3.12-slim`. */
  readonly canonical: string;
}

/** Every kind of `runtime.image` the local provider understands. */
export type ImageSource =
  | { readonly kind: "host" }
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "tar"; readonly path: string }
  /** An OCI image layout directory; `tag` matches `org.opencontainers.image.ref.name`. */
  | { readonly kind: "oci"; readonly path: string; readonly tag: string | undefined }
  /** A tarball of an OCI image layout (what `skopeo copy … oci-archive:` writes). */
  | { readonly kind: "oci-archive"; readonly path: string; readonly tag: string | undefined }
  | RegistryReference;

/** The forms accepted, for error messages and `capabilities.constraints.imageKinds`. */
export const IMAGE_REFERENCE_FORMS = [
  "host",
  "dir:<path>",
  "tar:<path>",
  "oci:<dir>[:tag]",
  "oci-archive:<file>[:tag]",
  "[registry/]repository[:tag][@sha256:digest]",
] as const;

const DOCKER_HUB = "docker.io";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** distribution/reference's limit on the repository name, domain included. */
const MAX_NAME_LENGTH = 255;

/**
 * Parses `runtime.image` without touching the filesystem or the network. Registry references
 * follow Docker's rules (`python:3.12-slim` is `docker.io/library/python:3.12-slim`, a first
 * component with a dot, a port or `localhost` is a registry); `dir:`, `tar:`, `oci:` and
 * `oci-archive:` need absolute paths, which the caller must still check against the
 * operator's image roots (`resolveImageRoot`). Throws `invalid_argument` naming `field`.
 */
export function parseImageReference(image: string | undefined, field = "runtime.image"): ImageSource {
  if (image === undefined || image === "host") return { kind: "host" };
  if (typeof image !== "string" || image.length === 0) {
    throw new InvalidArgumentError(field, `expected one of ${IMAGE_REFERENCE_FORMS.join(", ")}`, { provider: "local" });
  }
  const transport = /^(dir|tar|oci|oci-archive):(.*)$/s.exec(image);
  if (transport) return parseTransport(transport[1] as string, transport[2] as string, field);
  return parseRegistryReference(image, field);
}

function parseTransport(kind: string, rest: string, field: string): ImageSource {
  // Like skopeo, the path ends at the first colon: `oci:/images/layout:3.12`.
  let target = rest;
  let tag: string | undefined;
  if (kind === "oci" || kind === "oci-archive") {
    const colon = rest.indexOf(":");
    if (colon >= 0) {
      target = rest.slice(0, colon);
      tag = rest.slice(colon + 1);
      if (!TAG.test(tag)) throw invalid(field, `${kind}: tag ${JSON.stringify(tag)} is not a valid tag`);
    }
  }
  if (!path.isAbsolute(target)) {
    throw invalid(field, `${kind}: needs an absolute host path, got ${JSON.stringify(target)}`);
  }
  const normalized = path.resolve(target);
  if (kind === "dir" || kind === "tar") return { kind, path: normalized };
  return { kind: kind as "oci" | "oci-archive", path: normalized, tag };
}

/** Parses a Docker-style reference; exported for callers that only accept registry images. */
export function parseRegistryReference(image: string, field = "runtime.image"): RegistryReference {
  if (/\s/.test(image)) throw invalid(field, `${JSON.stringify(image)} contains whitespace`);
  let name = image;
  let digest: string | undefined;
  const at = image.indexOf("@");
  if (at >= 0) {
    name = image.slice(0, at);
    digest = image.slice(at + 1);
    if (!DIGEST.test(digest)) {
      if (ANY_DIGEST.test(digest)) {
        throw new UnsupportedError("image-digest", `${field}: only sha256 digests are supported, got ${digest}`, {
          provider: "local",
          details: { field },
        });
      }
      throw invalid(field, `${JSON.stringify(digest)} is not a digest; expected sha256: and 64 lowercase hex digits`);
    }
  }
  let tag: string | undefined;
  const lastColon = name.lastIndexOf(":");
  if (lastColon > name.lastIndexOf("/")) {
    tag = name.slice(lastColon + 1);
    name = name.slice(0, lastColon);
    if (!TAG.test(tag))
      throw invalid(field, `tag ${JSON.stringify(tag)} is not valid (letters, digits, _ . -, 128 at most)`);
  }
  let registry = DOCKER_HUB;
  let repository = name;
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  if (slash >= 0 && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase())) {
    registry = first;
    repository = name.slice(slash + 1);
    if (!DOMAIN.test(registry)) throw invalid(field, `${JSON.stringify(registry)} is not a valid registry host`);
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (repository.length === 0) throw invalid(field, `${JSON.stringify(image)} names no repository`);
  for (const component of repository.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      const hint = component !== component.toLowerCase() ? " (repository names must be lowercase)" : "";
      throw invalid(
        field,
        `${JSON.stringify(image)}: ${JSON.stringify(component)} is not a valid name component${hint}`,
      );
    }
  }
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw invalid(field, `${JSON.stringify(image)}: the repository name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (tag === undefined && digest === undefined) tag = "latest";
  const canonical = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
  return { kind: "registry", registry, repository, tag, digest, canonical };
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(field, message, { provider: "local" });
}
