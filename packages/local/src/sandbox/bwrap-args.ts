import type { WorkspacePlan } from "./workdir.js";

/** fd on which the sandbox's first shell line reports that every mount is done. */
export const BWRAP_READY_FD = 3;
/** fd on which bwrap writes its JSON info (the sandbox pid 1's host pid). */
export const BWRAP_INFO_FD = 4;
/** fd bwrap blocks on, after setup and before running anything, until one byte arrives. */
export const BWRAP_BLOCK_FD = 5;

/** What shapes one namespace sandbox's bwrap command line. */
export interface BwrapPlan {
  /** Read-only image mounts (see `images.ts`). */
  readonly imageArgs: readonly string[];
  readonly plan: WorkspacePlan;
  /** Host directory bound writable at `plan.mountPoint`. */
  readonly workspaceHost: string;
  /** Uid and gid commands run as inside. */
  readonly sandboxUid: number;
  readonly tmpSizeBytes: number;
  /** Keep the host network (egress "all"); otherwise the sandbox gets a loopback-only netns. */
  readonly shareNet: boolean;
  /** Device nodes passed through (GPUs). */
  readonly devices: readonly string[];
  /** The spec's main command; the sandbox idles in `sleep` without one. */
  readonly command: readonly string[] | undefined;
}

/**
 * bwrap arguments (without the program) for a long-lived sandbox: every namespace unshared,
 * image read-only, workspace writable, sized tmpfs `/tmp`, fresh `/proc` and `/dev`, root
 * remounted read-only, killed with its parent, and held on `--block-fd` until the caller has
 * placed it in its cgroups.
 */
export function buildBwrapArgs(plan: BwrapPlan): string[] {
  const uid = String(plan.sandboxUid);
  const workspace = plan.plan;
  return [
    "--unshare-all",
    ...(plan.shareNet ? ["--share-net"] : []),
    "--unshare-user",
    "--uid",
    uid,
    "--gid",
    uid,
    "--die-with-parent",
    "--new-session",
    "--hostname",
    "sandbox",
    ...plan.imageArgs,
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
    // bwrap's root is a tmpfs the sandbox user owns: read-only once every mount point exists.
    "--remount-ro",
    "/",
    "--chdir",
    workspace.workdir,
    "--info-fd",
    String(BWRAP_INFO_FD),
    "--block-fd",
    String(BWRAP_BLOCK_FD),
    // Reaching the shell line means bwrap finished every mount: only then is the sandbox ready.
    // (Polling bwrap's init for a child instead was measured slower on a busy 2-core host.)
    "/bin/sh",
    "-c",
    `echo ready >&${BWRAP_READY_FD}; exec ${BWRAP_READY_FD}>&-; exec "$@"`,
    "sh",
    ...(plan.command ?? ["sleep", "2147483647"]),
  ];
}
