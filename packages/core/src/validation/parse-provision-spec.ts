import type { z } from "zod";
import { InvalidArgumentError, UnsupportedError } from "../errors/error-classes.js";
import type { Capabilities } from "../provider/v1/capabilities.js";
import { type ProvisionSpec, ProvisionSpecSchema, type ValidProvisionSpec } from "../provider/v1/provision-spec.js";
import { registerSecret } from "../redaction/secrets.js";
import { toInvalidArgument } from "./zod-error.js";

/**
 * Validates a provision spec. Throws `InvalidArgumentError` naming the field path (e.g.
 * `resources.memoryMiB`) on the first problem. A Tailscale auth key in the spec is registered
 * as a secret, so it is redacted from every later error and log line.
 */
export function parseProvisionSpec(spec: unknown, provider?: string): ValidProvisionSpec {
  if (spec === undefined || spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new InvalidArgumentError("spec", "must be an object", { provider });
  }
  // Register before validating: a rejected spec's key must not leak through the error either.
  const key = (spec as { network?: { tailscaleAuthKey?: unknown } }).network?.tailscaleAuthKey;
  if (typeof key === "string") registerSecret(key);
  rejectProtoKeys(spec as Record<string, unknown>, provider);
  const result = ProvisionSpecSchema.safeParse(spec);
  if (!result.success) throw toInvalidArgument(result.error as z.ZodError, "", provider);
  return result.data;
}

/**
 * A "__proto__" own key (JSON.parse makes them) cannot survive into a plain object: zod's
 * output would silently drop it. Refuse it by name instead of losing it.
 */
function rejectProtoKeys(spec: Record<string, unknown>, provider: string | undefined): void {
  const maps: [string, unknown][] = [
    ["runtime.env", (spec.runtime as Record<string, unknown> | undefined)?.env],
    ["labels", spec.labels],
  ];
  for (const [field, map] of maps) {
    if (map !== null && typeof map === "object" && Object.hasOwn(map, "__proto__")) {
      throw new InvalidArgumentError(`${field}["__proto__"]`, '"__proto__" is not supported as a key', { provider });
    }
  }
}

/**
 * Checks a valid spec against a provider's declared capabilities. Throws `UnsupportedError`
 * for a feature the provider lacks and `InvalidArgumentError` for a value beyond its limits.
 */
export function checkSpecAgainstCapabilities(
  spec: ValidProvisionSpec,
  capabilities: Capabilities,
  provider?: string,
): void {
  const limits = capabilities.constraints;
  if (spec.gpu) {
    if (!capabilities.gpu) {
      throw new UnsupportedError("gpu", `gpu: this provider cannot attach GPUs${reason(capabilities, "gpu")}`, {
        provider,
      });
    }
    if (spec.gpu.type !== undefined && !limits.gpuTypes.includes(spec.gpu.type)) {
      throw new InvalidArgumentError(
        "gpu.type",
        `unknown GPU type ${JSON.stringify(spec.gpu.type)}; supported: ${limits.gpuTypes.join(", ")}`,
        { provider },
      );
    }
    if (limits.maxGpuCount !== undefined && spec.gpu.count > limits.maxGpuCount) {
      throw new InvalidArgumentError("gpu.count", `must be <= ${limits.maxGpuCount}`, { provider });
    }
  }
  const maxSeconds = spec.duration?.maxSeconds;
  if (maxSeconds !== undefined && limits.maxDurationSeconds !== undefined && maxSeconds > limits.maxDurationSeconds) {
    throw new InvalidArgumentError("duration.maxSeconds", `must be <= ${limits.maxDurationSeconds}`, { provider });
  }
  const cpu = spec.resources?.cpu;
  if (cpu !== undefined && limits.maxCpu !== undefined && cpu > limits.maxCpu) {
    throw new InvalidArgumentError("resources.cpu", `must be <= ${limits.maxCpu}`, { provider });
  }
  const memory = spec.resources?.memoryMiB;
  if (memory !== undefined && limits.maxMemoryMiB !== undefined && memory > limits.maxMemoryMiB) {
    throw new InvalidArgumentError("resources.memoryMiB", `must be <= ${limits.maxMemoryMiB}`, { provider });
  }
  if (spec.network?.tailscaleAuthKey !== undefined && !capabilities.tailscale) {
    throw new UnsupportedError("tailscale", `network.tailscaleAuthKey: this provider cannot join a tailnet`, {
      provider,
    });
  }
  const egress = spec.network?.egress;
  if (egress !== undefined) {
    const mode = typeof egress === "string" ? egress : "allowlist";
    if (!capabilities.egress.includes(mode)) {
      throw new UnsupportedError(
        "egress",
        `network.egress: ${mode} is not supported; supported: ${capabilities.egress.join(", ")}${reason(capabilities, "egress")}`,
        { provider },
      );
    }
  }
}

function reason(capabilities: Capabilities, feature: string): string {
  const text = capabilities.limitations?.[feature];
  return text ? ` (${text})` : "";
}

/** Merges restore overrides over a snapshot's original spec: each given section replaces the original one. */
export function mergeSpec(base: ProvisionSpec, overrides: Partial<ProvisionSpec> | undefined): ProvisionSpec {
  if (!overrides) return { ...base };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged as ProvisionSpec;
}
