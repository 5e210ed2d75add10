import { constants } from "node:fs";
import { access } from "node:fs/promises";
import type { Capabilities, HealthReport } from "@openlattice/core";
import { describeLayout } from "../host/cgroup-layout.js";
import type { IsolationProbe } from "../host/probe.js";
import type { IsolationTier } from "../options.js";

/** What `healthCheck` reports: the tier, every missing feature and why, and whether the state dir works. */
export async function healthReport(input: {
  readonly tier: IsolationTier;
  readonly probe: IsolationProbe;
  readonly capabilities: Capabilities;
  readonly stateDir: string;
  readonly sandboxesDir: string;
  readonly ready: Promise<unknown>;
  readonly liveSandboxes: number;
}): Promise<HealthReport> {
  const started = performance.now();
  const { probe } = input;
  const missing: string[] = [];
  if (!probe.namespace.available) missing.push(probe.namespace.reason);
  for (const [feature, why] of Object.entries(input.capabilities.limitations ?? {})) {
    if (feature !== "isolation" && feature !== "snapshot") missing.push(`${feature}: ${why}`);
  }
  let healthy = true;
  let message: string | undefined;
  try {
    await input.ready;
    await access(input.sandboxesDir, constants.W_OK);
  } catch (error) {
    healthy = false;
    message = `state directory ${input.stateDir} is not writable: ${(error as Error).message}`;
  }
  if (healthy && missing.length > 0) message = `tier ${input.tier}; missing: ${missing.join("; ")}`;
  return {
    healthy,
    latencyMs: performance.now() - started,
    message: message ?? `tier ${input.tier}`,
    details: {
      tier: input.tier,
      stateDir: input.stateDir,
      rootless: !probe.root,
      agent: probe.agent.path ?? null,
      bwrap: probe.namespace.available ? probe.namespace.tools.version : null,
      cgroups: describeLayout(probe.cgroups),
      gpuDevices: probe.gpuDevices,
      missing,
      sandboxes: input.liveSandboxes,
    },
  };
}
