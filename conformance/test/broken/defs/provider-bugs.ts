import {
  type Capabilities,
  type HealthReport,
  isSandboxError,
  type ProvisionOptions,
  type ProvisionSpec,
  SandboxError,
  type SandboxNode,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();
const local = localFactory();
const withCapabilities = (patch: Partial<Capabilities>) => () =>
  wrapProvider(reference(), (inner) => ({ capabilities: { ...inner.capabilities, ...patch } }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bug: provision trusts its input and skips spec validation. */
class SpecNotValidated extends ReferenceProvider {
  protected override validateSpec(spec: unknown): ValidProvisionSpec {
    return (typeof spec === "object" && spec !== null ? spec : {}) as ValidProvisionSpec;
  }
}

/** Bug: unknown keys are stripped (a lenient schema) instead of refused. */
class UnknownKeysStripped extends ReferenceProvider {
  override provision(spec: ProvisionSpec, options?: ProvisionOptions): Promise<SandboxNode> {
    if (spec === null || typeof spec !== "object") return super.provision(spec, options);
    const known = ["runtime", "resources", "gpu", "duration", "network", "labels", "name", "idempotencyKey"];
    const kept = Object.fromEntries(Object.entries(spec).filter(([key]) => known.includes(key)));
    const resources = kept.resources as Record<string, unknown> | undefined;
    if (resources) {
      const { swapMiB: _dropped, ...rest } = resources;
      kept.resources = rest;
    }
    return super.provision(kept as ProvisionSpec, options);
  }
}

const otherArchitecture = process.arch === "arm64" ? "x86_64" : "arm64";

/** The provider object, health, spec validation, errors, extensions and capability claims. */
export const PROVIDER_BUGS: readonly BrokenProvider[] = [
  {
    bug: 'specificationVersion is "1.0" instead of "v1"',
    base: "reference",
    fails: ["provider.spec-version"],
    create: () => wrapProvider(reference(), () => ({ specificationVersion: "1.0" as never })),
  },
  {
    bug: "capabilities gain a limitation once the first sandbox exists (rebuilt on every read)",
    base: "local",
    fails: ["provider.capabilities.valid"],
    create: () => {
      const inner = local();
      let provisioned = false;
      return wrapProvider(inner, () => ({
        get capabilities() {
          const caps = inner.capabilities;
          return provisioned ? { ...caps, limitations: { ...caps.limitations, pool: "warm" } } : caps;
        },
        provision: async (spec, options) => {
          const node = await inner.provision(spec, options);
          provisioned = true;
          return node;
        },
      }));
    },
  },
  {
    bug: "healthCheck throws when the backend is unreachable instead of reporting unhealthy",
    base: "reference",
    fails: ["health.never-throws", "health.bounded"],
    create: () =>
      wrapProvider(reference(), () => ({
        healthCheck: async () => {
          throw new Error("backend unreachable");
        },
      })),
  },
  {
    bug: 'healthCheck reports healthy as the backend\'s status string ("ok")',
    base: "reference",
    fails: ["health.never-throws"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        healthCheck: async () => ({ ...(await inner.healthCheck()), healthy: "ok" as unknown as boolean }),
      })),
  },
  {
    bug: "healthCheck hangs 30 s on a slow backend before answering",
    base: "reference",
    fails: ["health.bounded"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        healthCheck: async () => {
          await sleep(30_000);
          return inner.healthCheck();
        },
      })),
  },
  {
    bug: "healthCheck takes 300 ms but reports a cached latencyMs of 0",
    base: "reference",
    fails: ["health.bounded"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        healthCheck: async (): Promise<HealthReport> => {
          await sleep(300);
          return { ...(await inner.healthCheck()), latencyMs: 0 };
        },
      })),
  },
  {
    bug: "provision skips spec validation",
    base: "reference",
    // An invalid spec (an empty runtime.entrypoint) gets half-created before failing: the leak
    // check finds that sandbox through list() by the run label.
    fails: ["spec.invalid.rejected", "spec.unsupported.rejected", "spec.limits.enforced", "cleanup.no-leaks"],
    also: ["cleanup.no-leaks"],
    create: () => new SpecNotValidated(),
  },
  {
    bug: "unknown spec keys are stripped instead of refused",
    base: "reference",
    fails: ["spec.invalid.rejected"],
    create: () => new UnknownKeysStripped(),
  },
  {
    bug: "network.tailscaleAuthKey is ignored instead of refused by a provider without Tailscale",
    base: "reference",
    fails: ["spec.unsupported.rejected"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const { tailscaleAuthKey: _ignored, ...network } = spec.network ?? {};
          return inner.provision({ ...spec, ...(spec.network ? { network } : {}) }, options);
        },
      })),
  },
  {
    bug: "resources.cpu beyond constraints.maxCpu is clamped silently instead of refused",
    base: "local",
    fails: ["spec.limits.enforced"],
    create: () => {
      const inner = local();
      return wrapProvider(inner, () => ({
        provision: (spec, options) => {
          const max = inner.capabilities.constraints.maxCpu ?? Number.POSITIVE_INFINITY;
          const cpu = spec.resources?.cpu;
          return inner.provision(
            cpu !== undefined && cpu > max ? { ...spec, resources: { ...spec.resources, cpu: max } } : spec,
            options,
          );
        },
      }));
    },
  },
  {
    bug: "not_found errors are marked retryable",
    base: "reference",
    fails: ["errors.typed"],
    create: () => {
      const retryable = (error: unknown): never => {
        if (isSandboxError(error) && error.code === "not_found") {
          throw new SandboxError("not_found", error.message, { retryable: true, provider: error.provider });
        }
        throw error;
      };
      return wrapProvider(reference(), (inner) => ({
        exec: (id, argv, options) => inner.exec(id, argv, options).catch(retryable),
        snapshot: (id) => inner.snapshot(id).catch(retryable),
      }));
    },
  },
  {
    bug: "getExtension looks the name up in a plain object (finds toString)",
    base: "reference",
    fails: ["extensions.unknown"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        getExtension: ((id: string, name: string) => {
          const table: Record<string, unknown> = {
            files: inner.getExtension(id, "files"),
            network: inner.getExtension(id, "network"),
            lifecycle: inner.getExtension(id, "lifecycle"),
          };
          return table[name];
        }) as never,
      })),
  },
  {
    bug: "capabilities.pause stays false after the lifecycle extension was added",
    base: "reference",
    fails: ["extensions.agree"],
    create: withCapabilities({ pause: false }),
  },
  {
    bug: "the capabilities claim the metrics extension, but getExtension never returns it",
    base: "reference",
    fails: ["extensions.agree", "metrics.sample", "metrics.moves"],
    create: withCapabilities({ extensions: ["files", "network", "lifecycle", "metrics"] }),
  },
  {
    bug: 'a wrapper claims isolation "vm" for host processes',
    base: "reference",
    fails: ["capabilities.isolation.verified"],
    create: withCapabilities({ isolation: "vm" }),
  },
  {
    bug: "a wrapper claims A100 GPUs and drops the gpu section it cannot satisfy",
    base: "reference",
    fails: ["capabilities.gpu.verified"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        capabilities: {
          ...inner.capabilities,
          gpu: true,
          constraints: { ...inner.capabilities.constraints, gpuTypes: ["A100"] },
        },
        provision: (spec, options) => {
          const { gpu: _dropped, ...rest } = spec;
          return inner.provision(rest, options);
        },
      })),
  },
  {
    bug: `a wrapper claims ${otherArchitecture} only, on a ${process.arch} host`,
    base: "reference",
    fails: ["capabilities.architecture.verified"],
    create: withCapabilities({ architectures: [otherArchitecture] }),
  },
];
