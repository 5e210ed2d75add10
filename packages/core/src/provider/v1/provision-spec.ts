import { z } from "zod";

/** Characters that can never appear in a value that reaches a process (argv, env, paths). */
const NUL = "\u0000";

const noNul = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .refine((value) => !value.includes(NUL), { error: `${what} must not contain a NUL byte` });

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
    { error: 'env must be an object of string values, e.g. { MODE: "ci" }' },
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
    { error: 'labels must be an object of string values, e.g. { team: "infra" }' },
  )
  .refine((labels) => Object.keys(labels).length <= 64, { error: "at most 64 labels" });

const argvSchema = (field: string) =>
  z
    .array(noNul(`${field} argument`), { error: `${field} must be an array of strings (argv, never a shell line)` })
    .min(1, { error: `${field} must not be empty` });

export const RuntimeSchema = z.strictObject({
  /** Image reference; its meaning is provider-specific (a registry reference such as python:3.12-slim, host, dir:/path). Absent: the provider's capabilities.constraints.defaultImage. */
  image: noNul("image")
    .min(1, { error: "image must not be empty" })
    .max(1024, { error: "image must be at most 1024 characters" })
    .optional()
    .describe(
      "Image reference; its meaning is provider-specific (a registry reference such as python:3.12-slim, host, dir:/path). Absent: the provider's capabilities.constraints.defaultImage.",
    ),
  /** Absolute working directory for the setup command, the entrypoint and every exec without cwd; created when missing. */
  workdir: SandboxPathSchema.optional().describe(
    "Absolute working directory for the setup command, the entrypoint and every exec without cwd; created when missing.",
  ),
  /** Setup command: runs once, to completion, after the sandbox starts and before provision resolves (e.g. pip install flask). A non-zero exit fails provision with setup_failed and destroys the sandbox. */
  command: argvSchema("command")
    .optional()
    .describe(
      "Setup command: runs once, to completion, after the sandbox starts and before provision resolves (e.g. pip install flask). A non-zero exit fails provision with setup_failed and destroys the sandbox.",
    ),
  /** Long-running main process, started after the setup command. The sandbox ends when it exits (its exit code is in inspect). Absent: the sandbox idles until destroyed or its duration ends. */
  entrypoint: argvSchema("entrypoint")
    .optional()
    .describe(
      "Long-running main process, started after the setup command. The sandbox ends when it exits (its exit code is in inspect). Absent: the sandbox idles until destroyed or its duration ends.",
    ),
  /** Environment of the setup command, the entrypoint and every exec (exec env is added on top for one call). */
  env: EnvSchema.optional().describe(
    "Environment of the setup command, the entrypoint and every exec (exec env is added on top for one call).",
  ),
});

export const ResourcesSchema = z.strictObject({
  /** CPU cores the sandbox may use (fractions allowed); enforced as a CPU-time quota. */
  cpu: z
    .number({ error: "cpu must be a number of cores, e.g. 0.5 or 2" })
    .positive({ error: "cpu must be > 0" })
    .max(1024, { error: "cpu must be <= 1024" })
    .optional()
    .describe("CPU cores the sandbox may use (fractions allowed); enforced as a CPU-time quota."),
  /** Memory limit in MiB; a command allocating beyond it is killed. */
  memoryMiB: z
    .int({ error: "memoryMiB must be an integer" })
    .min(4, { error: "memoryMiB must be >= 4" })
    .max(16 * 1024 * 1024, { error: "memoryMiB must be <= 16777216" })
    .optional()
    .describe("Memory limit in MiB; a command allocating beyond it is killed."),
  /** Disk space in MiB the sandbox may write; providers that cannot enforce it refuse it. */
  diskMiB: z
    .int({ error: "diskMiB must be an integer" })
    .min(1, { error: "diskMiB must be >= 1" })
    .max(64 * 1024 * 1024, { error: "diskMiB must be <= 67108864" })
    .optional()
    .describe("Disk space in MiB the sandbox may write; providers that cannot enforce it refuse it."),
});

export const GpuSchema = z.strictObject({
  /** GPU type, one of the provider's capabilities.constraints.gpuTypes; absent: the provider's default type. */
  type: z
    .string({ error: 'gpu type must be a string such as "H100"' })
    .min(1, { error: "gpu type must not be empty" })
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:!+-]*$/, { error: "gpu type has invalid characters" })
    .optional()
    .describe(
      "GPU type, one of the provider's capabilities.constraints.gpuTypes; absent: the provider's default type.",
    ),
  /** Number of GPUs of that type. */
  count: z
    .int({
      error: (issue) =>
        issue.input === undefined ? "gpu count is required, e.g. { count: 1 }" : "gpu count must be an integer",
    })
    .min(1, { error: "gpu count must be >= 1" })
    .max(64)
    .describe("Number of GPUs of that type."),
});

const seconds = (field: string) =>
  z
    .int({ error: `${field} must be a whole number of seconds` })
    .min(1, { error: `${field} must be >= 1` })
    .max(366 * 24 * 3600, { error: `${field} must be at most one year` });

export const DurationSchema = z.strictObject({
  /** The sandbox is ended this many seconds after provision, whatever it is doing; activity does not extend it. */
  maxSeconds: seconds("maxSeconds")
    .optional()
    .describe(
      "The sandbox is ended this many seconds after provision, whatever it is doing; activity does not extend it.",
    ),
  /** The sandbox is ended after this many seconds without an exec, file call or connection. */
  idleSeconds: seconds("idleSeconds")
    .optional()
    .describe("The sandbox is ended after this many seconds without an exec, file call or connection."),
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

export const EgressSchema = z.union(
  [
    z.literal("none"),
    z.literal("all"),
    z.strictObject({ allow: z.array(EgressAllowEntrySchema).min(1, { error: "allow must not be empty" }) }),
  ],
  { error: 'egress must be "none", "all" or { allow: ["host.example", "10.0.0.0/8"] }' },
);

export const NetworkSchema = z.strictObject({
  /** Ports servers in the sandbox will listen on; only these are reachable through the network extension's getUrl. */
  ports: z
    .array(PortSchema)
    .max(64)
    .refine((ports) => new Set(ports).size === ports.length, { error: "ports must be unique" })
    .optional()
    .describe(
      "Ports servers in the sandbox will listen on; only these are reachable through the network extension's getUrl.",
    ),
  /** Outbound traffic: none blocks all, all allows all, { allow } only the listed hosts and CIDRs; providers state their default. */
  egress: EgressSchema.optional().describe(
    "Outbound traffic: none blocks all, all allows all, { allow } only the listed hosts and CIDRs; providers state their default.",
  ),
  /** Tailscale auth key joining the sandbox to a tailnet; a secret, never shown in errors, logs or inspect. */
  tailscaleAuthKey: z
    .string()
    .min(1, { error: "tailscaleAuthKey must not be empty" })
    .max(512)
    .optional()
    .describe("Tailscale auth key joining the sandbox to a tailnet; a secret, never shown in errors, logs or inspect."),
});

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The zod schema of `ProvisionSpec`; unknown keys are rejected at every level. */
export const ProvisionSpecSchema = z
  .strictObject({
    /** What runs: image, working directory, setup command, entrypoint, env. */
    runtime: RuntimeSchema.optional().describe("What runs: image, working directory, setup command, entrypoint, env."),
    /** CPU, memory and disk limits. */
    resources: ResourcesSchema.optional().describe("CPU, memory and disk limits."),
    /** GPUs to attach; only providers with capabilities.gpu accept it. */
    gpu: GpuSchema.optional().describe("GPUs to attach; only providers with capabilities.gpu accept it."),
    /** Lifetime limits, in whole seconds. */
    duration: DurationSchema.optional().describe("Lifetime limits, in whole seconds."),
    /** Ports, outbound traffic policy and Tailscale. */
    network: NetworkSchema.optional().describe("Ports, outbound traffic policy and Tailscale."),
    /** String key/value pairs kept with the sandbox, returned by inspect and matched by list. */
    labels: LabelsSchema.optional().describe(
      "String key/value pairs kept with the sandbox, returned by inspect and matched by list.",
    ),
    /** Human-readable name; not required to be unique. */
    name: z
      .string({ error: "name must be a string" })
      .regex(NAME_PATTERN, {
        error: "name must be 1-63 characters of letters, digits, '.', '_', '-', starting with a letter or digit",
      })
      .optional()
      .describe("Human-readable name; not required to be unique."),
    /** Repeating provision with the same key returns the same sandbox instead of creating a second one. */
    idempotencyKey: z
      .string({ error: "idempotencyKey must be a string" })
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, { error: "idempotencyKey must be printable ASCII without spaces" })
      .optional()
      .describe("Repeating provision with the same key returns the same sandbox instead of creating a second one."),
  })
  .describe("What to provision. Every section is optional; providers apply documented defaults.");

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
