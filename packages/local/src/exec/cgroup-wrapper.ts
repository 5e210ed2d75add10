/**
 * A `/bin/sh` trampoline that writes its own pid into each given `cgroup.procs` file and then
 * `exec`s the real command. Joining before the command starts is what makes the placement
 * race-free: nothing the command forks can be outside the group. Arguments travel as
 * positional parameters, never spliced into the script, so argv reaches the command exactly.
 */
const JOIN_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

/** The shell the trampoline runs under; POSIX guarantees it on every supported host. */
export const SHELL = "/bin/sh";

export interface WrappedCommand {
  readonly file: string;
  readonly args: string[];
}

/**
 * Builds the argv that runs `argv` inside the groups of `procsFiles`: directly when there are
 * none, unless `alwaysShell` (so a missing program exits 127 as from a shell, not a spawn error).
 */
export function wrapInCgroups(
  procsFiles: readonly string[],
  argv: readonly string[],
  alwaysShell = false,
): WrappedCommand {
  if (procsFiles.length === 0 && !alwaysShell) {
    const [file, ...args] = argv;
    return { file: file as string, args };
  }
  return { file: SHELL, args: ["-c", JOIN_SCRIPT, "sh", String(procsFiles.length), ...procsFiles, ...argv] };
}

/** Exit status of the trampoline when it could not join a cgroup (the command never ran). */
export const CGROUP_JOIN_FAILED = 125;
