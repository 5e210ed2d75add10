import { chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { InternalError, type ValidProvisionSpec } from "@openlattice/core";
import type { HostIdAllocator } from "../host/host-ids.js";
import type { IsolationProbe } from "../host/probe.js";
import { ownerGroupName, SandboxCgroups } from "../host/sandbox-cgroups.js";
import type { SeccompPlan } from "../host/seccomp.js";
import type { PreparedImage } from "../images/provider/provider-images.js";
import { AgentHub, type AgentProcess } from "../launch/agent-hub.js";
import { namespaceLaunch } from "../launch/bwrap-launch.js";
import { noneLaunch } from "../launch/plain-launch.js";
import { type SlirpEgress, slirpBinary, startSlirpEgress } from "../network/slirp-egress.js";
import type { IsolationTier, ResolvedOptions } from "../options.js";
import type { StatCache } from "../snapshots/snapshot-store.js";
import { currentOwner } from "../state/owner.js";
import type { StateLayout } from "../state/state-layout.js";
import { createRootLayer, rootLayerOf } from "./image-layer.js";
import { sandboxRuntime } from "./image-runtime.js";
import { hostImageMounts, type ImageMount, rootfsMounts } from "./images.js";
import { noneEnv } from "./sandbox-env.js";
import { createRecord, type SandboxMeta, updateRecord } from "./sandbox-record.js";
import { noneTierWorkdir } from "./workdir.js";

/** Everything a sandbox needs from its provider. */
export interface SandboxEnvironment {
  readonly provider: string;
  readonly options: ResolvedOptions;
  readonly probe: IsolationProbe;
  readonly tier: IsolationTier;
  readonly layout: StateLayout;
  readonly agentBinary: string;
  /** The seccomp filter namespace sandboxes get. */
  readonly seccomp: SeccompPlan;
  /** Leases one host uid per sandbox (root, namespace tier); undefined: every sandbox shares `hostUid`. */
  readonly hostIds: HostIdAllocator | undefined;
  /** Why egress "all" cannot have a private network namespace here (see `slirpProblem`). */
  readonly egressProblem: string | undefined;
}

/** Owner given to what the host creates in a workspace, so the sandbox user can change it. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** What a booting sandbox has so far; whatever is set is torn down if boot fails. */
export interface BootState {
  cgroups: SandboxCgroups | undefined;
  agent: AgentProcess | undefined;
  workdir: string;
  baseEnv: Record<string, string>;
  /** None tier: host directories the files extension reaches. */
  fileRoots: string[] | undefined;
  /** Egress "all" in a private network namespace: the slirp4netns serving it. */
  egress?: SlirpEgress | undefined;
}

export interface BootInput {
  readonly id: string;
  readonly spec: ValidProvisionSpec;
  readonly image: PreparedImage;
  readonly environment: SandboxEnvironment;
  readonly workspaceHost: string;
  readonly owner: Owner | undefined;
  readonly createdAt: Date;
  readonly signal: AbortSignal | undefined;
  /** Fills the fresh workspace before anything runs (snapshot restore); returns its stat cache. */
  readonly seed: ((workspace: string, owner: Owner | undefined) => Promise<StatCache>) | undefined;
}

async function imageMounts(image: PreparedImage): Promise<ImageMount[]> {
  if (image.kind === "host") return hostImageMounts();
  if (image.kind === "dir") return rootfsMounts(image.path);
  return [];
}

async function makeDir(dir: string, owner: Owner | undefined, mode = 0o755): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  if (owner) await chown(dir, owner.uid, owner.gid);
}

/**
 * Creates a sandbox step by step, recording each part in `state` as it exists: record, cgroups
 * (limits applied), workspace, then one spawn that ends in the agent's HELLO. No step blocks
 * the event loop; the spawn itself is queued so that a burst spreads its forks over turns.
 * Returns the stat cache of a seeded workspace.
 */
export async function bootSandbox(input: BootInput, state: BootState): Promise<StatCache | undefined> {
  const { environment, spec, id, owner, workspaceHost } = input;
  const { layout, options, probe, tier } = environment;
  input.signal?.throwIfAborted();
  const meta: SandboxMeta = {
    id,
    tier,
    owner: currentOwner(),
    createdAt: input.createdAt.toISOString(),
    workspace: workspaceHost,
    cgroups: {},
    ...(owner ? { hostUid: owner.uid } : {}),
  };
  await createRecord(layout, meta);
  const resources = spec.resources;
  const limits = {
    ...(resources?.memoryMiB !== undefined ? { memoryBytes: resources.memoryMiB * 1024 * 1024 } : {}),
    ...(SandboxCgroups.enforceable(probe.cgroups).pids ? { pids: options.defaultPidsLimit } : {}),
    ...(resources?.cpu !== undefined ? { cpu: resources.cpu } : {}),
  };
  const layoutUsable = Boolean(probe.cgroups.unified || Object.keys(probe.cgroups.v1).length > 0);
  if (layoutUsable) {
    state.cgroups = await SandboxCgroups.create(probe.cgroups, id, limits, ownerGroupName(meta.owner));
    await updateRecord(layout, { ...meta, cgroups: state.cgroups.dirs as Record<string, string> });
  }
  // Owner-only: no other host user (another sandbox's uid included) can enter the workspace.
  await makeDir(workspaceHost, owner, 0o700);
  const statCache = input.seed ? await input.seed(workspaceHost, owner) : undefined;
  input.signal?.throwIfAborted();
  const cgroupProcs = state.cgroups?.procsFiles ?? [];
  if (tier === "namespace") {
    if (!probe.namespace.available)
      throw new InternalError("namespace tier unavailable", { provider: environment.provider });
    const runtime = sandboxRuntime(spec, input.image);
    const plan = runtime.plan;
    state.workdir = plan.workdir;
    if (plan.create === "workspace" && plan.workdir !== plan.mountPoint) {
      await makeDir(path.join(workspaceHost, path.posix.relative(plan.mountPoint, plan.workdir)), owner);
    }
    state.baseEnv = runtime.env;
    const egressAll = spec.network?.egress === "all";
    // Sharing the host's network namespace is what allowHostLoopback asks for; otherwise egress
    // "all" goes through slirp4netns from a private namespace (checked before anything starts).
    const shareNet = egressAll && options.allowHostLoopback;
    const slirp = egressAll && !shareNet ? slirpBinary(environment.provider, environment.egressProblem) : undefined;
    const image = input.image;
    let rootOverlay: { lowerDir: string; layer: ReturnType<typeof rootLayerOf> } | undefined;
    if (image.kind === "image") {
      rootOverlay = { lowerDir: image.rootfsDir, layer: rootLayerOf(workspaceHost) };
      await createRootLayer(rootOverlay.layer, owner);
    }
    const launch = namespaceLaunch({
      agentBinary: environment.agentBinary,
      bwrap: probe.namespace.tools.bwrap,
      provider: environment.provider,
      image: await imageMounts(image),
      rootOverlay,
      workspace: plan,
      workspaceHost,
      sandboxUid: runtime.user?.uid ?? options.sandboxUid,
      sandboxGid: runtime.user?.gid,
      tmpSizeBytes: options.tmpSizeMiB * 1024 * 1024,
      shmSizeBytes: options.shmSizeMiB * 1024 * 1024,
      shareNet,
      devices: spec.gpu ? probe.gpuDevices : [],
      cgroupProcs,
      seccompFilter: environment.seccomp.bpfPath,
      asRoot: probe.root ? { hostUid: owner?.uid ?? options.hostUid } : undefined,
    });
    state.agent = await AgentHub.for(environment.agentBinary).launch(launch);
    if (slirp) {
      state.egress = await startSlirpEgress({
        slirp,
        agentBinary: environment.agentBinary,
        bwrapPid: state.agent.pid,
      });
    }
  } else {
    state.workdir = noneTierWorkdir(workspaceHost, spec.runtime?.workdir);
    const tmp = path.join(layout.sandboxDir(id), "tmp");
    await Promise.all([mkdir(state.workdir, { recursive: true }), mkdir(tmp, { mode: 0o700 })]);
    state.baseEnv = noneEnv(spec, workspaceHost, tmp);
    const inside = state.workdir === workspaceHost || state.workdir.startsWith(`${workspaceHost}/`);
    state.fileRoots = inside ? [workspaceHost] : [workspaceHost, state.workdir];
    state.agent = await AgentHub.for(environment.agentBinary).launch(
      noneLaunch({
        agentBinary: environment.agentBinary,
        provider: environment.provider,
        workdir: state.workdir,
        fileRoots: state.fileRoots,
        cgroupProcs,
        asRoot: probe.root,
      }),
    );
  }
  return statCache;
}
