import type { ImageMount } from "../sandbox/images.js";
import type { WorkspacePlan } from "../sandbox/workdir.js";
import type { AgentLaunch } from "./agent-hub.js";

/** Where the agent binary appears inside every namespace sandbox (read-only, any image). */
export const AGENT_IN_SANDBOX = "/run/openlattice/agent";

/** Descriptor the launcher opens the agent binary on, for bwrap to copy into the sandbox. */
const AGENT_FD = 10;

/** What shapes one namespace sandbox. */
export interface NamespacePlan {
  readonly agentBinary: string;
  readonly bwrap: string;
  readonly provider: string;
  /** Read-only image mounts. */
  readonly image: readonly ImageMount[];
  readonly workspace: WorkspacePlan;
  /** Host directory bound writable at `workspace.mountPoint`. */
  readonly workspaceHost: string;
  /** Uid and gid commands run as inside. */
  readonly sandboxUid: number;
  readonly tmpSizeBytes: number;
  /** Keep the host network (egress "all"); otherwise the sandbox gets a loopback-only netns. */
  readonly shareNet: boolean;
  /** Device nodes passed through (GPUs). */
  readonly devices: readonly string[];
  /** cgroup.procs files the launcher joins first. */
  readonly cgroupProcs: readonly string[];
  /** Running as root: shield the agent from the OOM killer and drop to `hostUid` before bwrap. */
  readonly asRoot: { readonly hostUid: number } | undefined;
}

/**
 * `agent launch … -- bwrap … /run/openlattice/agent serve`: the launcher joins the cgroups,
 * opens the agent binary while privileged and drops to the mapped uid; bwrap then builds the
 * sandbox (every namespace unshared, image read-only, workspace writable, sized tmpfs /tmp,
 * fresh /proc and /dev, root read-only) and runs the agent as its pid 1, with no reaper in
 * between: pid 1 cannot be killed from inside, and its death takes the whole namespace along.
 */
export function namespaceLaunch(plan: NamespacePlan): AgentLaunch {
  const uid = String(plan.sandboxUid);
  const workspace = plan.workspace;
  const bwrap = [
    "--unshare-all",
    ...(plan.shareNet ? ["--share-net"] : []),
    "--unshare-user",
    "--uid",
    uid,
    "--gid",
    uid,
    "--die-with-parent",
    "--new-session",
    "--as-pid-1",
    "--hostname",
    "sandbox",
    ...plan.image.flatMap((mount) =>
      mount.type === "symlink" ? ["--symlink", mount.target, mount.dest] : ["--ro-bind", mount.source, mount.dest],
    ),
    "--perms",
    "1777",
    "--size",
    String(plan.tmpSizeBytes),
    "--tmpfs",
    "/tmp",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...plan.devices.flatMap((device) => ["--dev-bind", device, device]),
    "--bind",
    plan.workspaceHost,
    workspace.mountPoint,
    ...(workspace.create === "tmp" ? ["--dir", workspace.workdir] : []),
    // A copy in the sandbox's own tmpfs: works for any image and wherever the package lives.
    "--perms",
    "0555",
    "--ro-bind-data",
    String(AGENT_FD),
    AGENT_IN_SANDBOX,
    // bwrap's root is a tmpfs the sandbox user owns: read-only once every mount point exists.
    "--remount-ro",
    "/",
    "--chdir",
    workspace.workdir,
    AGENT_IN_SANDBOX,
    "serve",
  ];
  const root = plan.asRoot;
  return {
    file: plan.agentBinary,
    args: [
      "launch",
      ...plan.cgroupProcs.flatMap((file) => ["--cgroup", file]),
      ...(root ? ["--oom-score-adj", "-1000"] : []),
      "--fd",
      `${AGENT_FD}:${plan.agentBinary}`,
      ...(root ? ["--uid", String(root.hostUid), "--gid", String(root.hostUid)] : []),
      "--",
      plan.bwrap,
      ...bwrap,
    ],
    cwd: "/",
    provider: plan.provider,
  };
}
