import type { ProcessGroupHandle } from "../host/sandbox-cgroups.js";
import { wrapInCgroups } from "./cgroup-wrapper.js";
import { envArgv, envSurvivesShell } from "./exact-env.js";
import type { ProcessLaunch } from "./run-process.js";

/** In-sandbox trampoline for a per-exec working directory (nsenter can only take the init's). */
const CD_SCRIPT = 'cd -- "$1" || exit 126; shift; exec "$@"';

const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** One exec in a namespace sandbox. */
export interface NamespaceExec {
  readonly nsenter: string;
  /** Host pid of the sandbox's pid 1, whose namespaces the command joins. */
  readonly initPid: number;
  readonly uid: number;
  /** Sandbox path to start in; `undefined` keeps the sandbox's workdir (no trampoline). */
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  /** The exec's own cgroup, joined before anything starts; absent without cgroups. */
  readonly group: ProcessGroupHandle | undefined;
}

/**
 * `sh` (joins the exec's cgroups) → `nsenter` into every namespace of the sandbox as the
 * unprivileged sandbox user → [a `cd` trampoline] → [`env -i` when the environment would not
 * survive a shell exactly] → the command. Killing the tree is one `cgroup.kill`.
 */
export function namespaceLaunch(exec: NamespaceExec): ProcessLaunch {
  const uid = String(exec.uid);
  // The in-sandbox cd trampoline is the image's shell, whatever it does to the environment.
  const direct = envSurvivesShell(exec.env) && exec.cwd === undefined;
  const argv = [
    exec.nsenter,
    "-t",
    String(exec.initPid),
    "-U",
    "-m",
    "-u",
    "-i",
    "-n",
    "-p",
    "-r",
    "-w",
    "-S",
    uid,
    "-G",
    uid,
    "--",
    ...(exec.cwd === undefined ? [] : ["/bin/sh", "-c", CD_SCRIPT, "sh", exec.cwd]),
    ...(direct ? [] : envArgv(exec.env)),
    ...exec.argv,
  ];
  const wrapped = wrapInCgroups(exec.group?.procsFiles ?? [], argv);
  const group = exec.group;
  return {
    file: wrapped.file,
    args: wrapped.args,
    env: direct ? { ...exec.env } : { PATH: exec.env.PATH ?? FALLBACK_PATH },
    // The host shell exports PWD: "/" rather than the orchestrator's own directory.
    cwd: "/",
    detached: false,
    killTree: async (child) => {
      if (group) await group.kill();
      else child.kill("SIGKILL");
    },
  };
}

/** One exec in the `none` tier: a host directory, process group and cgroups. */
export interface HostExec {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  readonly group: ProcessGroupHandle | undefined;
}

/**
 * `sh` (joins the exec's cgroups; always used, so a missing program exits 127 like in the
 * namespace tier) → [`env -i`] → the command, in a new session. The tree dies by cgroup, or by
 * process group where there are no cgroups (then `setsid` escapees survive: a stated limitation).
 */
export function hostLaunch(exec: HostExec): ProcessLaunch {
  const direct = envSurvivesShell(exec.env);
  const argv = direct ? exec.argv : [...envArgv(exec.env), ...exec.argv];
  const wrapped = wrapInCgroups(exec.group?.procsFiles ?? [], argv, true);
  const group = exec.group;
  return {
    file: wrapped.file,
    args: wrapped.args,
    env: direct ? { ...exec.env } : { PATH: exec.env.PATH ?? FALLBACK_PATH },
    cwd: exec.cwd,
    detached: true,
    killTree: async (child) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Group already gone.
      }
      if (group) await group.kill();
    },
  };
}
