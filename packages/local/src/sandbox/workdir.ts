import path from "node:path";

/** Where the workspace appears in a namespace sandbox unless the spec's workdir says otherwise. */
export const DEFAULT_WORKSPACE = "/workspace";

/** Paths the image or the sandbox itself owns; a workspace cannot be mounted over them. */
const RESERVED = [
  "/usr",
  "/etc",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/dev",
  "/sys",
  "/run",
];

/** How a namespace sandbox lays out its writable workspace. */
export interface WorkspacePlan {
  /** Sandbox path where the host workspace directory is bind-mounted. */
  readonly mountPoint: string;
  /** Sandbox path of the default working directory. */
  readonly workdir: string;
  /**
   * Who makes the workdir exist: the host, inside the workspace (`workspace`); bwrap, in the
   * `/tmp` tmpfs (`tmp`); or nobody, because it is part of the image (`image`, e.g. `/`).
   */
  readonly create: "workspace" | "tmp" | "image";
}

/**
 * Plans the workspace of a namespace sandbox: mounted at `/workspace`, or at the spec's
 * `workdir` when that is an ordinary path elsewhere (so what the command writes there is what
 * snapshots keep). A workdir in `/tmp` is made in the tmpfs; one in the image's system
 * directories (`/`, `/usr/…`) is used as is, read-only, with the workspace at `/workspace`.
 */
export function planNamespaceWorkspace(workdir: string | undefined): WorkspacePlan {
  const wanted = path.posix.resolve(workdir ?? DEFAULT_WORKSPACE);
  if (wanted === DEFAULT_WORKSPACE || wanted.startsWith(`${DEFAULT_WORKSPACE}/`)) {
    return { mountPoint: DEFAULT_WORKSPACE, workdir: wanted, create: "workspace" };
  }
  if (wanted === "/tmp" || wanted.startsWith("/tmp/")) {
    return { mountPoint: DEFAULT_WORKSPACE, workdir: wanted, create: "tmp" };
  }
  if (wanted === "/" || RESERVED.some((dir) => wanted === dir || wanted.startsWith(`${dir}/`))) {
    return { mountPoint: DEFAULT_WORKSPACE, workdir: wanted, create: "image" };
  }
  return { mountPoint: wanted, workdir: wanted, create: "workspace" };
}

/**
 * The `none` tier has no mount namespace: the workdir is the spec's `workdir` taken literally as
 * a host directory (created when missing), else the sandbox's private workspace. A workdir
 * outside the workspace is shared with the host: it is neither snapshotted nor removed.
 */
export function noneTierWorkdir(workspaceHost: string, workdir: string | undefined): string {
  return workdir === undefined ? workspaceHost : path.resolve(workdir);
}
