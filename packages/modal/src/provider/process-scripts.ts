/**
 * The `sh` scripts behind the `processes` extension on Modal, which has no per-exec pid, kill,
 * resize or listing. Each is constant; every value reaches it as a positional argument, so
 * nothing a caller sent is parsed by a shell. They need `sh`, `sed`, `cut`, `cat` and `awk`
 * in the image (`stty` too for a PTY), all present in Debian-, Ubuntu- and Alpine-based images.
 *
 * A started process leaves a small record in the sandbox, `PROCESS_ROOT/<pid>/` (owner-only):
 * `meta` (start time in ms, PTY flag, the kernel's start time of the pid, to tell a reused pid),
 * `argv` (NUL-separated), `tty` (the terminal, for resizes) and, once the provider instance that
 * started it saw it end, `exit` (exit code and end time).
 */

/** Where process records live inside the sandbox. */
export const PROCESS_ROOT = "/tmp/.openlattice/processes";

/** Starts the OSC sequence that carries the pid at the head of stdout (terminals ignore OSCs). */
export const PID_MARKER_PREFIX = "\u001b]openlattice;pid=";
const PID_MARKER_END = "\u0007";

/**
 * `sh -c START_SCRIPT startMs pty cols rows argv...`: records the process, sizes the terminal,
 * announces its pid on stdout and becomes the command (`exec`), so the pid is the command's own.
 */
const START_SCRIPT = [
  `d="${PROCESS_ROOT}/$$"`,
  'umask 077; mkdir -p "$d" 2>/dev/null',
  "st=$(sed 's/.*) //' /proc/$$/stat 2>/dev/null | cut -d' ' -f20)",
  'printf "%s %s %s\\n" "$0" "$1" "$st" > "$d/meta" 2>/dev/null',
  'if [ "$1" = 1 ]; then stty cols "$2" rows "$3" 2>/dev/null; tty > "$d/tty" 2>/dev/null; fi',
  "shift 3",
  'printf "%s\\0" "$@" > "$d/argv" 2>/dev/null',
  `printf '\\033]openlattice;pid=%s\\007' "$$"`,
  'exec "$@"',
].join("\n");

export function startArgv(
  argv: readonly string[],
  startedAt: Date,
  pty: { readonly cols: number; readonly rows: number } | undefined,
): string[] {
  const size = pty ? ["1", String(pty.cols), String(pty.rows)] : ["0", "0", "0"];
  return ["sh", "-c", START_SCRIPT, String(startedAt.getTime()), ...size, ...argv];
}

/** Output the marker may follow (a terminal's own first bytes); past it, there is none. */
export const PID_MARKER_SEARCH_BYTES = 4096;

/**
 * Finds the pid marker in the first bytes of stdout (as latin1 text, one character per byte):
 * the pid, where the marker starts and where the output after it starts; `undefined` while it
 * is not (completely) there.
 */
export function parsePidMarker(head: string): { pid: number; start: number; end: number } | undefined {
  const start = head.indexOf(PID_MARKER_PREFIX);
  if (start < 0) return undefined;
  const close = head.indexOf(PID_MARKER_END, start);
  if (close < 0) return undefined;
  const pid = Number(head.slice(start + PID_MARKER_PREFIX.length, close));
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, start, end: close + 1 };
}

/**
 * `sh -c SIGNAL_TREE_SCRIPT pid SIG`: sends SIG to the process and every descendant (found by
 * parent pid in `/proc`, which gVisor provides). Each is stopped first, repeatedly until no new
 * one appears, so none can fork away while the tree is collected; then all get SIG, its
 * process group too (descendants that re-parented stay in it), and are continued.
 */
const SIGNAL_TREE_SCRIPT = [
  'root="$0"; sig="$1"',
  '[ -d "/proc/$root" ] || exit 0',
  'tree() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$root" \'',
  '  { s = $0; sub(/.*\\) /, "", s); split(s, f, " "); parent[$1] = f[2] }',
  "  END { n = 1; q[1] = root; seen[root] = 1",
  "    for (i = 1; i <= n; i++) for (c in parent) if (parent[c] == q[i] && !(c in seen)) { seen[c] = 1; q[++n] = c }",
  "    for (i = 1; i <= n; i++) if (q[i] in parent) print q[i] }'; }",
  'stopped=" "; round=0',
  'while [ "$round" -lt 8 ]; do',
  "  fresh=0",
  '  for p in $(tree); do case "$stopped" in *" $p "*) ;; *) kill -STOP "$p" 2>/dev/null; stopped="$stopped$p "; fresh=1 ;; esac; done',
  '  [ "$fresh" = 1 ] || break; round=$((round + 1))',
  "done",
  'kill -s "$sig" $stopped 2>/dev/null; kill -s "$sig" -- "-$root" 2>/dev/null',
  "kill -s CONT $stopped 2>/dev/null",
  "exit 0",
].join("\n");

export function signalTreeArgv(pid: number, signal: string): string[] {
  return ["sh", "-c", SIGNAL_TREE_SCRIPT, String(pid), signal.replace(/^SIG/, "")];
}

/** `sh -c RESIZE_SCRIPT pid cols rows`: sets the terminal's size; the kernel sends SIGWINCH. */
const RESIZE_SCRIPT = [
  `t=$(cat "${PROCESS_ROOT}/$0/tty" 2>/dev/null) || t=/proc/$0/fd/0`,
  'stty -F "$t" cols "$1" rows "$2"',
].join("\n");

export function resizeArgv(pid: number, cols: number, rows: number): string[] {
  return ["sh", "-c", RESIZE_SCRIPT, String(pid), String(cols), String(rows)];
}

/** `sh -c EXIT_SCRIPT pid code endMs`: records how a process ended (for other instances' `list`). */
const EXIT_SCRIPT = `[ -d "${PROCESS_ROOT}/$0" ] && printf "%s %s\\n" "$1" "$2" > "${PROCESS_ROOT}/$0/exit"; exit 0`;

export function recordExitArgv(pid: number, exitCode: number, endedAt: Date): string[] {
  return ["sh", "-c", EXIT_SCRIPT, String(pid), String(exitCode), String(endedAt.getTime())];
}

/**
 * `sh -c LIST_SCRIPT`: one header line per record, `P pid startMs pty alive exitCode endMs
 * argvBytes` (`-` for unknown), followed by that many bytes of NUL-separated argv. A pid is
 * alive while `/proc/<pid>` exists with the kernel start time recorded at start.
 */
const LIST_SCRIPT = [
  `cd "${PROCESS_ROOT}" 2>/dev/null || exit 0`,
  "for p in *; do",
  '  [ -f "$p/meta" ] || continue',
  '  read -r start pty st < "$p/meta"',
  "  now=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f20)",
  '  alive=0; [ -n "$now" ] && [ "$now" = "$st" ] && alive=1',
  '  code=-; ended=-; [ -f "$p/exit" ] && read -r code ended < "$p/exit"',
  '  n=0; [ -f "$p/argv" ] && n=$(wc -c < "$p/argv")',
  '  printf "P %s %s %s %s %s %s %s\\n" "$p" "$start" "$pty" "$alive" "$code" "$ended" $n',
  '  [ "$n" -gt 0 ] && cat "$p/argv"',
  "done",
  "exit 0",
].join("\n");

export const LIST_ARGV: readonly string[] = ["sh", "-c", LIST_SCRIPT];

/** `sh -c PRUNE_SCRIPT pid...`: removes the records of processes that ended. */
export const PRUNE_SCRIPT = `cd "${PROCESS_ROOT}" 2>/dev/null || exit 0; for p in "$@"; do rm -rf "./$p"; done; exit 0`;
