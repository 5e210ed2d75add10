import { randomUUID } from "node:crypto";

/**
 * Argv rewrites the provider applies inside the sandbox. Each one is a constant `sh` script
 * with the caller's argv passed positionally (`"$@"`), so no value is ever parsed by a shell.
 */

/** The SDK's client-side argv limit (total UTF-16 length, `validateExecArgs`), with a margin. */
export const SDK_ARGV_LIMIT = 60_000;

export function argvLength(argv: readonly string[]): number {
  return argv.reduce((sum, arg) => sum + arg.length, 0);
}

/**
 * Rebuilds argv inside the sandbox from `OPENLATTICE_ARG_<i>` variables: the script is
 * constant and `eval` only ever sees variable names, so values are never re-parsed. The
 * variables are unset before the program starts.
 */
const ENV_ARGV_SCRIPT = [
  'n="$OPENLATTICE_ARGC"; unset OPENLATTICE_ARGC; i=0; set --',
  'while [ "$i" -lt "$n" ]; do eval "set -- \\"\\$@\\" \\"\\$OPENLATTICE_ARG_$i\\"; unset OPENLATTICE_ARG_$i"; i=$((i + 1)); done',
  'exec "$@"',
].join("\n");

/** Argv over the SDK's limit travels in the environment instead. */
export function envTransport(argv: readonly string[]): { argv: string[]; env: Record<string, string> } {
  const env: Record<string, string> = { OPENLATTICE_ARGC: String(argv.length) };
  argv.forEach((arg, index) => {
    env[`OPENLATTICE_ARG_${index}`] = arg;
  });
  return { argv: ["sh", "-c", ENV_ARGV_SCRIPT], env };
}

/**
 * Records the wrapper shell's pid before running the command as its child, and removes the
 * record when the command ends (keeping its exit status). Modal has no per-exec kill, so a
 * killable exec is one whose process tree can be found from that pid.
 */
const KILLABLE_SCRIPT = 'echo $$ > "$0"; "$@"; rc=$?; rm -f "$0"; exit "$rc"';

/** Wraps argv so that `killProcessTreeArgv(pidFile)` can end it and every descendant. */
export function killableArgv(argv: readonly string[]): { argv: string[]; pidFile: string } {
  const pidFile = `/tmp/.openlattice-exec-${randomUUID()}.pid`;
  return { argv: ["sh", "-c", KILLABLE_SCRIPT, pidFile, ...argv], pidFile };
}

/**
 * Kills a killable exec and all its descendants, best effort: each process is stopped first
 * (so it cannot fork while its children are collected from /proc), then killed; its process
 * group is killed too, for descendants that were re-parented.
 */
const KILL_TREE_SCRIPT = [
  'pid=$(cat "$0" 2>/dev/null) || exit 0',
  'tree() { kill -STOP "$1" 2>/dev/null; for t in /proc/"$1"/task/*; do for c in $(cat "$t/children" 2>/dev/null); do tree "$c"; done; done; kill -KILL "$1" 2>/dev/null; }',
  'tree "$pid"; kill -KILL -- "-$pid" 2>/dev/null; rm -f "$0"; exit 0',
].join("\n");

export function killProcessTreeArgv(pidFile: string): string[] {
  return ["sh", "-c", KILL_TREE_SCRIPT, pidFile];
}
