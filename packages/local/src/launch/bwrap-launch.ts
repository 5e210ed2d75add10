import type { RootLayer } from "../sandbox/image-layer.js";
import type { ImageMount } from "../sandbox/images.js";
import type { WorkspacePlan } from "../sandbox/workdir.js";
import type { AgentLaunch } from "./agent-hub.js";

/** Where the agent binary appears inside every namespace sandbox (read-only, any image). */
export const AGENT_IN_SANDBOX = "/run/openlattice/agent";

/** Descriptor the launcher opens the agent binary on, for bwrap to copy into the sandbox. */
const AGENT_FD = 10;
/** Descriptor the launcher opens the seccomp filter on, for bwrap to load (`--seccomp`). */
const SECCOMP_FD = 11;
/** Descriptor the launcher opens an image's shared rootfs on, as the overlay's lower layer. */
const LOWER_FD = 12;

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
  /** Uid (and, unless `sandboxGid` says otherwise, gid) commands run as inside. */
  readonly sandboxUid: number;
  readonly sandboxGid?: number | undefined;
  /**
   * An image's writable root: the launcher mounts an overlay of `lowerDir` (read-only, shared)
   * and the layer's upper directory at `layer.merged`, which becomes `/` (instead of `image`).
   */
  readonly rootOverlay?: { readonly lowerDir: string; readonly layer: RootLayer } | undefined;
  readonly tmpSizeBytes: number;
  /** Size of the `/dev/shm` tmpfs. */
  readonly shmSizeBytes: number;
  /** Keep the host network (egress "all"); otherwise the sandbox gets a loopback-only netns. */
  readonly shareNet: boolean;
  /** Device nodes passed through (GPUs). */
  readonly devices: readonly string[];
  /** Compiled BPF program bwrap installs before it execs the agent; none when undefined. */
  readonly seccompFilter: string | undefined;
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
  const gid = String(plan.sandboxGid ?? plan.sandboxUid);
  const workspace = plan.workspace;
  const overlay = plan.rootOverlay;
  const bwrap = [
    "--unshare-all",
    ...(plan.shareNet ? ["--share-net"] : []),
    "--unshare-user",
    "--uid",
    uid,
    "--gid",
    gid,
    "--die-with-parent",
    "--new-session",
    "--as-pid-1",
    "--hostname",
    "sandbox",
    ...(overlay
      ? ["--bind", overlay.layer.merged, "/"]
      : plan.image.flatMap((mount) =>
          mount.type === "symlink" ? ["--symlink", mount.target, mount.dest] : ["--ro-bind", mount.source, mount.dest],
        )),
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
    // POSIX shared memory gets its own sized tmpfs (bwrap's /dev would give it half the RAM);
    // its pages are charged to the sandbox's memory cgroup like any other memory.
    "--perms",
    "1777",
    "--size",
    String(plan.shmSizeBytes),
    "--tmpfs",
    "/dev/shm",
    // /dev holds bwrap's standard nodes only (null, zero, full, random, urandom, tty, pts, ptmx,
    // the fd links) and the GPUs passed through: read-only, so nothing can be added or renamed.
    // Device nodes stay usable (writing /dev/null is writing a device, not the filesystem).
    "--remount-ro",
    "/dev",
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
    // An image's overlay root stays writable: that is what its upper layer is for.
    ...(overlay ? [] : ["--remount-ro", "/"]),
    "--chdir",
    workspace.workdir,
    // Loaded last, right before bwrap execs the agent: every mount above is made by then, and
    // the agent, its shims and every command run under the filter (it is inherited and permanent).
    ...(plan.seccompFilter ? ["--seccomp", String(SECCOMP_FD)] : []),
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
      ...(plan.seccompFilter ? ["--fd", `${SECCOMP_FD}:${plan.seccompFilter}`] : []),
      ...(overlay ? ["--fd", `${LOWER_FD}:${overlay.lowerDir}`] : []),
      ...(root ? ["--uid", String(root.hostUid), "--gid", String(root.hostUid)] : []),
      ...(overlay
        ? ["--overlay", `${LOWER_FD}:${overlay.layer.upper}:${overlay.layer.work}:${overlay.layer.merged}`]
        : []),
      "--",
      plan.bwrap,
      ...bwrap,
    ],
    cwd: "/",
    provider: plan.provider,
  };
}
