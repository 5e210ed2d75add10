import { InvalidArgumentError, type ValidProvisionSpec } from "@openlattice/core";
import type { SandboxCreateParams } from "modal";
import { secondsToModalMs } from "./durations.js";
import { CREATED_TAG, IDEMPOTENCY_TAG, MANAGED_TAG, OWNER_TAG, RUN_TAG, TAILSCALE_TAG } from "./labels.js";
import { tailscaleBootCommand, tailscaleProxyEnv } from "./tailscale.js";

export interface CreateParamsContext {
  readonly defaultDurationSeconds: number;
  readonly owner: string;
  readonly runId: string;
  readonly createdAt: Date;
  readonly tailscaleProxyPort: number;
}

const CIDR = /^[0-9A-Fa-f.:]+\/\d{1,3}$/;

/**
 * Translates a validated spec into `sandboxes.create` parameters (without the GPU, which the
 * caller sets per attempt). Durations become whole-second milliseconds; env goes in `env`,
 * never into a command line; labels become tags next to openlattice's own. CPU and memory are
 * limits in spec v1, so they are sent both as Modal's request and as its hard limit. The
 * Tailscale key is not part of the parameters at all (see tailscale.ts).
 */
export function toCreateParams(spec: ValidProvisionSpec, context: CreateParamsContext): SandboxCreateParams {
  const runtime = spec.runtime;
  const lifetime = spec.duration?.maxSeconds ?? context.defaultDurationSeconds;
  const params: SandboxCreateParams = {
    timeoutMs: secondsToModalMs(lifetime, "duration.maxSeconds"),
    tags: {
      ...spec.labels,
      [MANAGED_TAG]: "true",
      [OWNER_TAG]: context.owner,
      [RUN_TAG]: context.runId,
      [CREATED_TAG]: String(context.createdAt.getTime()),
    },
  };
  if (spec.duration?.idleSeconds !== undefined) {
    params.idleTimeoutMs = secondsToModalMs(spec.duration.idleSeconds, "duration.idleSeconds");
  }
  if (runtime?.workdir) params.workdir = runtime.workdir;
  // Modal's sandbox command is the long-running main process: our entrypoint. The setup
  // command (runtime.command) runs as an exec once the sandbox is up (see ModalProvider).
  if (runtime?.entrypoint) params.command = [...runtime.entrypoint];
  const env: Record<string, string> = { ...runtime?.env };
  if (spec.resources?.cpu !== undefined) {
    params.cpu = spec.resources.cpu;
    params.cpuLimit = spec.resources.cpu;
  }
  if (spec.resources?.memoryMiB !== undefined) {
    params.memoryMiB = spec.resources.memoryMiB;
    params.memoryLimitMiB = spec.resources.memoryMiB;
  }
  if (spec.network?.ports?.length) params.encryptedPorts = [...spec.network.ports];
  const egress = spec.network?.egress;
  if (egress === "none") params.blockNetwork = true;
  else if (egress !== undefined && egress !== "all") {
    const cidrs = egress.allow.filter((entry) => CIDR.test(entry));
    const domains = egress.allow.filter((entry) => !CIDR.test(entry));
    if (cidrs.length > 0) params.outboundCidrAllowlist = cidrs;
    if (domains.length > 0) params.outboundDomainAllowlist = domains;
  }
  if (spec.name) params.name = spec.name;
  if (spec.idempotencyKey && params.tags) params.tags[IDEMPOTENCY_TAG] = spec.idempotencyKey;
  if (spec.network?.tailscaleAuthKey !== undefined) {
    if (params.command) {
      // Tailscale needs the main command slot for its boot script; the caller's command would be lost.
      throw new InvalidArgumentError(
        "runtime.entrypoint",
        "cannot be combined with network.tailscaleAuthKey on Modal",
        {
          provider: "modal",
        },
      );
    }
    params.command = tailscaleBootCommand(context.tailscaleProxyPort);
    Object.assign(env, tailscaleProxyEnv(context.tailscaleProxyPort));
    if (params.tags) params.tags[TAILSCALE_TAG] = "true";
  }
  if (Object.keys(env).length > 0) params.env = env;
  return params;
}
