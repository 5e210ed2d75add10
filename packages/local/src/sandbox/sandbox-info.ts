import type { SandboxInfo, SandboxNode, SandboxStatus, ValidProvisionSpec } from "@openlattice/core";
import type { IsolationTier } from "../options.js";

/** What a sandbox's `inspect` (and `list`) report, from its state. */
export function describeSandbox(
  sandbox: {
    readonly id: string;
    readonly spec: ValidProvisionSpec;
    readonly status: SandboxStatus;
    readonly createdAt: Date;
    readonly startedAt: Date | undefined;
    readonly endedAt: Date | undefined;
    readonly exitCode: number | undefined;
    readonly reason: string | undefined;
  },
  provider: string,
  tier: IsolationTier,
  workdir: string,
  hostPid: number | undefined,
): SandboxInfo & SandboxNode {
  const { spec } = sandbox;
  return {
    ...sandboxNode(sandbox, provider),
    ...(sandbox.startedAt ? { startedAt: sandbox.startedAt } : {}),
    ...(sandbox.endedAt ? { endedAt: sandbox.endedAt } : {}),
    ...(sandbox.exitCode !== undefined ? { exitCode: sandbox.exitCode } : {}),
    ...(sandbox.reason !== undefined ? { reason: sandbox.reason } : {}),
    image: spec.runtime?.image ?? "host",
    ...(spec.resources ? { resources: { ...spec.resources } } : {}),
    details: { isolation: tier, workdir, ...(hostPid !== undefined ? { hostPid } : {}) },
  };
}

/** The node `provision` and `restore` resolve with, from a sandbox's state. */
export function sandboxNode(
  sandbox: {
    readonly id: string;
    readonly spec: ValidProvisionSpec;
    readonly status: SandboxStatus;
    readonly createdAt: Date;
  },
  provider: string,
): SandboxNode {
  const spec = sandbox.spec;
  return {
    externalId: sandbox.id,
    provider,
    status: sandbox.status,
    createdAt: sandbox.createdAt,
    labels: spec.labels ?? {},
    ...(spec.name !== undefined ? { name: spec.name } : {}),
  };
}
