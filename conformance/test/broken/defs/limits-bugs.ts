import type { Capabilities, ProvisionSpec } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const local = localFactory();
const localNone = localFactory("none");
const otherArchitecture = process.arch === "arm64" ? "x86_64" : "arm64";

/** Drops one resource limit from every spec: accepted, never enforced. */
function dropResource(base: () => ReferenceProvider | ReturnType<typeof local>, key: "cpu" | "memoryMiB" | "diskMiB") {
  return () =>
    wrapProvider(base(), (inner) => ({
      provision: (spec, options) => {
        const { [key]: _dropped, ...resources } = spec.resources ?? {};
        return inner.provision({ ...spec, ...(spec.resources ? { resources } : {}) }, options);
      },
    }));
}

/** Maps egress policies the wrapper claims (or breaks) onto "all". */
function egressToAll(spec: ProvisionSpec, which: (egress: unknown) => boolean): ProvisionSpec {
  const egress = spec.network?.egress;
  return egress !== undefined && which(egress) ? { ...spec, network: { ...spec.network, egress: "all" } } : spec;
}

/** Resource limits, egress, metrics and claims on top of the local provider. */
export function limitsBugs(probeUrl: string): readonly BrokenProvider[] {
  const options = { probeUrl };
  return [
    {
      bug: "resources.memoryMiB is accepted but not enforced",
      base: "local",
      fails: ["limits.memory.enforced"],
      create: dropResource(local, "memoryMiB"),
    },
    {
      bug: "resources.memoryMiB is accepted by a provider without cgroups and ignored",
      base: "reference",
      fails: ["limits.memory.enforced"],
      create: () => {
        const inner = new ReferenceProvider();
        return wrapProvider(inner, () => ({
          provision: (spec, provisionOptions) => {
            const { memoryMiB: _dropped, ...resources } = spec.resources ?? {};
            return inner.provision({ ...spec, ...(spec.resources ? { resources } : {}) }, provisionOptions);
          },
        }));
      },
    },
    {
      bug: "resources.cpu is accepted but not enforced",
      base: "local",
      fails: ["limits.cpu.enforced"],
      create: dropResource(local, "cpu"),
    },
    {
      bug: "resources.diskMiB is accepted and ignored",
      base: "reference",
      fails: ["limits.disk.enforced"],
      create: dropResource(() => new ReferenceProvider(), "diskMiB"),
    },
    {
      bug: 'egress "none" is not enforced (the sandbox keeps the host network)',
      base: "local",
      fails: ["egress.none.enforced"],
      options,
      create: () =>
        wrapProvider(local(), (inner) => ({
          provision: (spec, o) =>
            inner.provision(
              egressToAll(spec, (e) => e === "none"),
              o,
            ),
        })),
    },
    {
      bug: "an allow-list egress policy is claimed but applied as egress all",
      base: "local",
      fails: ["egress.allowlist.enforced"],
      options,
      create: () =>
        wrapProvider(local(), (inner) => ({
          capabilities: { ...inner.capabilities, egress: [...inner.capabilities.egress, "allowlist"] },
          provision: (spec, o) =>
            inner.provision(
              egressToAll(spec, (e) => typeof e === "object"),
              o,
            ),
        })),
    },
    {
      bug: `a wrapper claims isolation "vm", H100 GPUs, allow-list egress and ${otherArchitecture} on top of local's none tier`,
      base: "local",
      fails: [
        "capabilities.isolation.verified",
        "capabilities.gpu.verified",
        "egress.allowlist.enforced",
        "capabilities.architecture.verified",
      ],
      options,
      create: () => {
        const inner = localNone();
        const claimed: Capabilities = {
          ...inner.capabilities,
          isolation: "vm",
          gpu: true,
          egress: ["all", "allowlist"],
          architectures: [otherArchitecture],
          constraints: { ...inner.capabilities.constraints, gpuTypes: ["H100"], maxGpuCount: 8 },
        };
        return wrapProvider(inner, () => ({
          capabilities: claimed,
          provision: (spec, o) => {
            const { gpu: _gpu, ...rest } = egressToAll(spec, (e) => typeof e === "object");
            return inner.provision(rest, o);
          },
        }));
      },
    },
    {
      bug: "metrics.sample returns the first sample it ever took (a cache that never expires)",
      base: "local",
      fails: ["metrics.moves"],
      create: () => {
        const inner = local();
        return wrapProvider(inner, () => ({
          getExtension: ((id: string, name: string) => {
            const extension = inner.getExtension(id, name);
            if (name !== "metrics" || extension === undefined) return extension;
            const metrics = extension as { sample: () => Promise<unknown> };
            let first: Promise<unknown> | undefined;
            return { sample: () => (first ??= metrics.sample()) };
          }) as typeof inner.getExtension,
        }));
      },
    },
    {
      bug: "metrics.sample returns its timestamp as an ISO string",
      base: "local",
      fails: ["metrics.sample"],
      create: () => {
        const inner = local();
        return wrapProvider(inner, () => ({
          getExtension: ((id: string, name: string) => {
            const extension = inner.getExtension(id, name);
            if (name !== "metrics" || extension === undefined) return extension;
            const metrics = extension as { sample: () => Promise<{ timestamp: Date }> };
            return { sample: async () => ({ ...(await metrics.sample()), timestamp: new Date().toISOString() }) };
          }) as typeof inner.getExtension,
        }));
      },
    },
  ];
}
