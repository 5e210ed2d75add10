import { z } from "zod";

/** Characters that can never appear in a value that reaches a process (argv, env, paths). */
const NUL = "\u0000";

const noNul = (what: string) =>
  z.string().refine((value) => !value.includes(NUL), { error: `${what} must not contain a NUL byte` });

/** A path inside the sandbox: absolute, without NUL. */
export const SandboxPathSchema = noNul("path")
  .min(1, { error: "path must not be empty" })
  .max(4096, { error: "path must be at most 4096 characters" })
  .refine((value) => value.startsWith("/"), { error: "path must be absolute (start with /)" });

/** Environment variable names: non-empty, no `=`, no NUL. Values: no NUL. */
export const EnvSchema = z
  .record(
    noNul("environment variable name")
      .min(1, { error: "environment variable name must not be empty" })
      .max(1024, { error: "environment variable name must be at most 1024 characters" })
      .refine((name) => !name.includes("="), { error: "environment variable name must not contain '='" }),
    noNul("environment variable value").max(128 * 1024, {
      error: "environment variable value must be at most 131072 characters",
    }),
  )
  .refine((env) => Object.keys(env).length <= 4096, { error: "at most 4096 environment variables" });

/** Label keys: 1–63 characters of `[A-Za-z0-9._/-]`, starting with a letter or digit. */
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

export const LabelsSchema = z
  .record(
    z.string().regex(LABEL_KEY_PATTERN, {
      error:
        "label key must be 1-63 characters of letters, digits, '.', '_', '/', '-', starting with a letter or digit",
    }),
    noNul("label value").max(256, { error: "label value must be at most 256 characters" }),
  )
  .refine((labels) => Object.keys(labels).length <= 64, { error: "at most 64 labels" });

export const RuntimeSchema = z.strictObject({
  /** Image reference; what it means is provider-specific (a registry tag, `host`, `dir:/path`…). */
  image: noNul("image")
    .min(1, { error: "image must not be empty" })
    .max(1024, { error: "image must be at most 1024 characters" }),
  /** Working directory for the command and for every exec without `cwd`. */
  workdir: SandboxPathSchema.optional(),
  /** Main command; when absent the sandbox idles until destroyed or its duration ends. */
  command: z.array(noNul("command argument")).min(1, { error: "command must not be empty" }).optional(),
  env: EnvSchema.optional(),
});

export const ResourcesSchema = z.strictObject({
  /** CPU cores (fractions allowed). */
  cpu: z.number().positive({ error: "cpu must be > 0" }).max(1024, { error: "cpu must be <= 1024" }).optional(),
  memoryMiB: z
    .int({ error: "memoryMiB must be an integer" })
    .min(4, { error: "memoryMiB must be >= 4" })
    .max(16 * 1024 * 1024, { error: "memoryMiB must be <= 16777216" })
    .optional(),
  diskMiB: z
    .int({ error: "diskMiB must be an integer" })
    .min(1, { error: "diskMiB must be >= 1" })
    .max(64 * 1024 * 1024, { error: "diskMiB must be <= 67108864" })
    .optional(),
});

export const GpuSchema = z.strictObject({
  /** GPU type; providers state theirs in `capabilities.constraints.gpuTypes` and pick a default when absent. */
  type: z
    .string()
    .min(1, { error: "gpu type must not be empty" })
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:!+-]*$/, { error: "gpu type has invalid characters" })
    .optional(),
  count: z.int({ error: "gpu count must be an integer" }).min(1, { error: "gpu count must be >= 1" }).max(64),
});

const seconds = (field: string) =>
  z
    .int({ error: `${field} must be a whole number of seconds` })
    .min(1, { error: `${field} must be >= 1` })
    .max(366 * 24 * 3600, { error: `${field} must be at most one year` });

export const DurationSchema = z.strictObject({
  /** The sandbox is ended this many seconds after it starts. */
  maxSeconds: seconds("maxSeconds").optional(),
  /** The sandbox is ended after this many seconds without an exec or connection. */
  idleSeconds: seconds("idleSeconds").optional(),
});

export const PortSchema = z
  .int({ error: "port must be an integer" })
  .min(1, { error: "port must be >= 1" })
  .max(65535, { error: "port must be <= 65535" });

/** Allow-list entries: host names (optionally `*.` wildcard) or IPv4/IPv6 CIDRs. */
export const EgressAllowEntrySchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9.-]+$|^[0-9.]+\/\d{1,2}$|^[0-9A-Fa-f:]+\/\d{1,3}$/, {
    error: "egress allow entry must be a host name, *.domain or a CIDR",
  });

export const EgressSchema = z.union([
  z.literal("none"),
  z.literal("all"),
  z.strictObject({ allow: z.array(EgressAllowEntrySchema).min(1, { error: "allow must not be empty" }) }),
]);

export const NetworkSchema = z.strictObject({
  /** Ports the sandbox will listen on, so that providers can set up routes before start. */
  ports: z
    .array(PortSchema)
    .max(64)
    .refine((ports) => new Set(ports).size === ports.length, { error: "ports must be unique" })
    .optional(),
  /** Outbound traffic policy; providers state their default. */
  egress: EgressSchema.optional(),
  /** Tailscale auth key; treated as a secret (registered for redaction on validation). */
  tailscaleAuthKey: z.string().min(1, { error: "tailscaleAuthKey must not be empty" }).max(512).optional(),
});

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The zod schema of `ProvisionSpec`; unknown keys are rejected at every level. */
export const ProvisionSpecSchema = z.strictObject({
  runtime: RuntimeSchema.optional(),
  resources: ResourcesSchema.optional(),
  gpu: GpuSchema.optional(),
  duration: DurationSchema.optional(),
  network: NetworkSchema.optional(),
  labels: LabelsSchema.optional(),
  name: z
    .string()
    .regex(NAME_PATTERN, {
      error: "name must be 1-63 characters of letters, digits, '.', '_', '-', starting with a letter or digit",
    })
    .optional(),
  /** Repeating `provision` with the same key returns the same sandbox instead of creating another. */
  idempotencyKey: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, { error: "idempotencyKey must be printable ASCII without spaces" })
    .optional(),
});

/** What to provision. Every section is optional; providers apply documented defaults. */
export type ProvisionSpec = z.input<typeof ProvisionSpecSchema>;
export type RuntimeSpec = z.input<typeof RuntimeSchema>;
export type ResourcesSpec = z.input<typeof ResourcesSchema>;
export type GpuSpec = z.input<typeof GpuSchema>;
export type DurationSpec = z.input<typeof DurationSchema>;
export type NetworkSpec = z.input<typeof NetworkSchema>;
export type EgressPolicy = z.input<typeof EgressSchema>;

/** A spec that passed validation. */
export type ValidProvisionSpec = z.output<typeof ProvisionSpecSchema>;
