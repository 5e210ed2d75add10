import { z } from "zod";

/** Media types of the OCI image spec and their Docker schema 2 equivalents. */
export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** What a registry client asks for, in order of preference. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(", ");

const LAYER_MEDIA_TYPES = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.diff.tar.zstd",
  // Non-distributable ("foreign") layers are plain layers that some registries will not serve.
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
]);

/** True for a media type whose blob is a (possibly compressed) tar layer. */
export function isLayerMediaType(mediaType: string): boolean {
  return LAYER_MEDIA_TYPES.has(mediaType);
}

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, "expected a sha256 digest");

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .object({
      os: z.string(),
      architecture: z.string(),
      variant: z.string().optional(),
      "os.version": z.string().optional(),
    })
    .optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

const stringList = z.array(z.string()).nullish();

export const configSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  config: z
    .object({
      Env: stringList,
      Entrypoint: stringList,
      Cmd: stringList,
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
    })
    .nullish(),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(digest) }).optional(),
});
export type ImageConfigBlob = z.infer<typeof configSchema>;

/** The parts of an image config a sandbox needs. */
export interface ImageRuntimeConfig {
  /** `Env`, in order; a later entry of the same name wins. */
  readonly env: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** `WorkingDir`, `/` when the image sets none. */
  readonly workdir: string;
  /** `User` as written (`name`, `uid`, `uid:gid`); empty when the image sets none. */
  readonly user: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Reads the runtime part of an image config (the `config` object of the config blob). */
export function runtimeConfig(blob: ImageConfigBlob): ImageRuntimeConfig {
  const config = blob.config ?? {};
  const env: Record<string, string> = {};
  for (const entry of config.Env ?? []) {
    const equals = entry.indexOf("=");
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return {
    env,
    entrypoint: config.Entrypoint ?? [],
    cmd: config.Cmd ?? [],
    workdir: config.WorkingDir || "/",
    user: config.User ?? "",
    labels: config.Labels ?? {},
  };
}

/** Tells an index from a manifest by media type, falling back to the shape for untyped documents. */
export function documentKind(
  mediaType: string | undefined,
  parsed: unknown,
): "index" | "manifest" | "schema1" | "unknown" {
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList) return "index";
  if (mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest) return "manifest";
  if (mediaType === MEDIA.dockerSchema1 || mediaType === MEDIA.dockerSchema1Signed) return "schema1";
  const shape = parsed as { manifests?: unknown; layers?: unknown; schemaVersion?: unknown };
  if (shape?.schemaVersion === 1) return "schema1";
  if (Array.isArray(shape?.manifests)) return "index";
  if (Array.isArray(shape?.layers)) return "manifest";
  return "unknown";
}
