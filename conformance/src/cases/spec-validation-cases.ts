import { hasErrorCode, type ProvisionSpec } from "@openlattice/core";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError } from "./case-helpers.js";

/** Invalid specs and the field each must be reported under. */
const INVALID_SPECS: readonly { readonly spec: unknown; readonly field: string }[] = [
  { spec: { resources: { memoryMiB: -1 } }, field: "resources.memoryMiB" },
  { spec: { resources: { cpu: 0 } }, field: "resources.cpu" },
  { spec: { duration: { maxSeconds: 0 } }, field: "duration.maxSeconds" },
  { spec: { duration: { maxSeconds: 1.5 } }, field: "duration.maxSeconds" },
  { spec: { network: { ports: [70000] } }, field: "network.ports[0]" },
  { spec: { labels: { "bad key!": "x" } }, field: "labels" },
  { spec: { name: "-starts-with-dash" }, field: "name" },
  { spec: { runtime: { image: "x", workdir: "relative/dir" } }, field: "runtime.workdir" },
  { spec: { runtime: { image: "x", command: [] } }, field: "runtime.command" },
  { spec: { runtime: { entrypoint: [] } }, field: "runtime.entrypoint" },
  { spec: { runtime: { image: "" } }, field: "runtime.image" },
  { spec: { unknownTopLevelField: true }, field: "unknownTopLevelField" },
  { spec: { resources: { memoryMiB: 512, swapMiB: 1 } }, field: "resources.swapMiB" },
  { spec: "not an object", field: "spec" },
];

/** Spec validation: bad input is refused before any backend work, with the offending field named. */
export const SPEC_VALIDATION_CASES: readonly CaseDefinition[] = [
  {
    id: "spec.invalid.rejected",
    run: async (c) => {
      const problems: string[] = [];
      for (const { spec, field } of INVALID_SPECS) {
        const what = `provision(${JSON.stringify(spec)})`;
        try {
          // Labels ride along (where the spec is an object) so anything wrongly created is tracked and found.
          const labelled =
            typeof spec === "object" && spec !== null && !("labels" in spec) ? { ...c.spec(), ...spec } : spec;
          const error = await expectSandboxError(
            c.provider.provision(labelled as ProvisionSpec),
            ["invalid_argument"],
            what,
          );
          const named = error.details.field ?? "";
          if (!(String(named).startsWith(field) || error.message.includes(field))) {
            problems.push(
              `${what}: error names ${JSON.stringify(named)} / "${error.message}", expected field ${field}`,
            );
          }
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "spec.unsupported.rejected",
    run: async (c) => {
      const caps = c.capabilities;
      const probes: { spec: ProvisionSpec; what: string }[] = [];
      if (!caps.gpu) probes.push({ spec: { gpu: { count: 1 } }, what: "gpu without the gpu capability" });
      if (!caps.tailscale) {
        probes.push({
          spec: { network: { tailscaleAuthKey: "tskey-conformance-not-a-real-key" } },
          what: "tailscaleAuthKey",
        });
      }
      if (!caps.egress.includes("none")) probes.push({ spec: { network: { egress: "none" } }, what: "egress none" });
      if (!caps.egress.includes("allowlist")) {
        probes.push({ spec: { network: { egress: { allow: ["example.com"] } } }, what: "egress allowlist" });
      }
      if (probes.length === 0) {
        c.note("the provider declares every optional spec feature; nothing to reject");
        return;
      }
      const problems: string[] = [];
      for (const probe of probes) {
        try {
          await expectSandboxError(
            c.provider.provision(c.spec(probe.spec)),
            ["unsupported"],
            `provision with ${probe.what}`,
          );
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "spec.limits.enforced",
    run: async (c) => {
      const limits = c.capabilities.constraints;
      const probes: { spec: ProvisionSpec; field: string }[] = [];
      if (limits.maxDurationSeconds !== undefined && limits.maxDurationSeconds < 366 * 24 * 3600) {
        probes.push({
          spec: { duration: { maxSeconds: limits.maxDurationSeconds + 1 } },
          field: "duration.maxSeconds",
        });
      }
      if (limits.maxCpu !== undefined && limits.maxCpu < 1024) {
        probes.push({ spec: { resources: { cpu: limits.maxCpu + 1 } }, field: "resources.cpu" });
      }
      if (limits.maxMemoryMiB !== undefined && limits.maxMemoryMiB < 16 * 1024 * 1024) {
        probes.push({ spec: { resources: { memoryMiB: limits.maxMemoryMiB + 1 } }, field: "resources.memoryMiB" });
      }
      if (probes.length === 0) {
        c.note("the provider declares no finite limits; nothing to exceed");
        return;
      }
      const problems: string[] = [];
      for (const probe of probes) {
        try {
          const error = await expectSandboxError(
            c.provider.provision(c.spec(probe.spec)),
            ["invalid_argument"],
            `provision beyond ${probe.field}`,
          );
          if (
            !hasErrorCode(error, "invalid_argument") ||
            !`${error.details.field ?? ""} ${error.message}`.includes(probe.field)
          ) {
            problems.push(`provision beyond ${probe.field}: error does not name the field (${error.message})`);
          }
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
];
