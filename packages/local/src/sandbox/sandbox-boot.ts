import { chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { InternalError, type ValidProvisionSpec } from "@openlattice/core";
import type { IsolationProbe } from "../host/probe.js";
import { ownerGroupName, SandboxCgroups } from "../host/sandbox-cgroups.js";
import { AgentHub, type AgentProcess } from "../launch/agent-hub.js";
import { namespaceLaunch } from "../launch/bwrap-launch.js";
import { noneLaunch } from "../launch/plain-launch.js";
import type { IsolationTier, ResolvedOptions } from "../options.js";
import type { StatCache } from "../snapshots/snapshot-store.js";
import { currentOwner } from "../state/owner.js";
import type { StateLayout } from "../state/state-layout.js";
import {
  checkImage,
  extractTarImage,
  hostImageMounts,
  type ImageMount,
  type ImageRef,
  rootfsMounts,
} from "./images.js";
import { namespaceEnv, noneEnv } from "./sandbox-env.js";
import { createRecord, type SandboxMeta, updateRecord } from "./sandbox-record.js";
import { noneTierWorkdir, planNamespaceWorkspace } from "./workdir.js";

/** Everything a sandbox needs from its provider. */
export interface SandboxEnvironment {
  readonly provider: string;
  readonly options: ResolvedOptions;
  readonly probe: IsolationProbe;
  readonly tier: IsolationTier;
  readonly layout: StateLayout;
  readonly agentBinary: string;
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
}

export interface BootInput {
  readonly id: string;
  readonly spec: ValidProvisionSpec;
  readonly image: ImageRef;
  readonly environment: SandboxEnvironment;
  readonly workspaceHost: string;
  readonly owner: Owner | undefined;
  readonly createdAt: Date;
  readonly signal: AbortSignal | undefined;
  /** Fills the fresh workspace before anything runs (snapshot restore); returns its stat cache. */
  readonly seed: ((workspace: string, owner: Owner | undefined) => Promise<StatCache>) | undefined;
}

async function imageMounts(image: ImageRef, environment: SandboxEnvironment): Promise<ImageMount[]> {
  await checkImage(image, environment.provider);
  if (image.kind === "host") return hostImageMounts();
  if (image.kind === "dir") return rootfsMounts(image.path);
  return rootfsMounts(await extractTarImage(image.path, environment.layout.images));
}

async function makeDir(dir: string, owner: Owner | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
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
  await makeDir(workspaceHost, owner);
  const statCache = input.seed ? await input.seed(workspaceHost, owner) : undefined;
  input.signal?.throwIfAborted();
  const cgroupProcs = state.cgroups?.procsFiles ?? [];
  if (tier === "namespace") {
    if (!probe.namespace.available)
      throw new InternalError("namespace tier unavailable", { provider: environment.provider });
    const plan = planNamespaceWorkspace(spec.runtime?.workdir);
    state.workdir = plan.workdir;
    if (plan.create === "workspace" && plan.workdir !== plan.mountPoint) {
      await makeDir(path.join(workspaceHost, path.posix.relative(plan.mountPoint, plan.workdir)), owner);
    }
    state.baseEnv = namespaceEnv(spec, plan.workdir);
    const launch = namespaceLaunch({
      agentBinary: environment.agentBinary,
      bwrap: probe.namespace.tools.bwrap,
      provider: environment.provider,
      image: await imageMounts(input.image, environment),
      workspace: plan,
      workspaceHost,
      sandboxUid: options.sandboxUid,
      tmpSizeBytes: options.tmpSizeMiB * 1024 * 1024,
      shareNet: spec.network?.egress === "all",
      devices: spec.gpu ? probe.gpuDevices : [],
      cgroupProcs,
      asRoot: probe.root ? { hostUid: options.hostUid } : undefined,
    });
    state.agent = await AgentHub.for(environment.agentBinary).launch(launch);
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
