import { NotFoundError } from "@openlattice/core";
import type { Descriptor, ImageIndex } from "./oci-schemas.js";

/** An OCI platform: `linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string | undefined;
}

const NODE_TO_OCI_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips64el: "mips64le",
};

/** The platform this process runs on, in OCI's words. */
export function hostPlatform(): Platform {
  const architecture = NODE_TO_OCI_ARCH[process.arch] ?? process.arch;
  let variant: string | undefined;
  if (architecture === "arm") {
    const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
    variant = armVersion === undefined ? undefined : `v${String(armVersion)}`;
  }
  return { os: process.platform === "linux" ? "linux" : process.platform, architecture, variant };
}

/** `linux/arm64/v8` style text. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}

/**
 * Picks the manifest of `platform` from an image index, as Docker and containerd do: same os and
 * architecture; an exact variant first, then an entry without a variant (arm64's `v8` is the
 * same as none). Attestation and other non-image entries (`unknown/unknown`) never match.
 * Throws `not_found` listing what the index offers.
 */
export function selectManifest(index: ImageIndex, platform: Platform, reference: string): Descriptor {
  const candidates = index.manifests.filter(
    (entry) =>
      entry.platform !== undefined &&
      entry.platform.os === platform.os &&
      entry.platform.architecture === platform.architecture &&
      entry.annotations?.["vnd.docker.reference.type"] === undefined,
  );
  const wanted = normalizeVariant(platform.architecture, platform.variant);
  const exact = candidates.find(
    (entry) => normalizeVariant(entry.platform!.architecture, entry.platform!.variant) === wanted,
  );
  const loose = candidates.find((entry) => entry.platform!.variant === undefined);
  const chosen = exact ?? loose ?? (wanted === undefined ? candidates[0] : undefined);
  if (chosen) return chosen;
  const offered = index.manifests
    .map((entry) => (entry.platform ? formatPlatform(entry.platform) : "untyped"))
    .filter((text) => text !== "unknown/unknown");
  throw new NotFoundError(
    `${reference} has no image for ${formatPlatform(platform)}; the index offers ${offered.join(", ") || "nothing"}`,
    { provider: "local", details: { reference, platform: formatPlatform(platform) } },
  );
}

function normalizeVariant(architecture: string, variant: string | undefined): string | undefined {
  if (architecture === "arm64" && (variant === "v8" || variant === undefined)) return undefined;
  return variant;
}
