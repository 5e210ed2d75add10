/**
 * The duration limit of sandboxes whose lifetime can be extended. Modal cannot move a running
 * sandbox's timeout (modal@0.11.1 has no such call), so such a sandbox is created with Modal's
 * timeout at the provider's lifetime limit, a hard backstop, and its main process is this
 * supervisor: it keeps the deadline (epoch seconds) in `DEADLINE_FILE`, runs the real main
 * command as its child, and ends the sandbox with exit 124 (what Modal reports for a timeout)
 * once the deadline has passed. Extending rewrites the file; the supervisor re-reads it
 * whenever the time it slept for is up (at most a minute). Needs `sh`, `date`, `sleep`,
 * `cat` and `mkdir` in the image.
 */

/** Where the deadline lives inside the sandbox (root's; any process of the sandbox can read it). */
const DEADLINE_DIR = "/tmp/.openlattice";
export const DEADLINE_FILE = `${DEADLINE_DIR}/deadline`;

/** Exit status of a sandbox ended at its deadline, the same number Modal reports for its timeout. */
export const DEADLINE_EXIT = 124;

/**
 * `sh -c SUPERVISOR deadline [command...]`. The child gets the supervisor's stdin (an
 * asynchronous list would get /dev/null), SIGTERM is passed on to it, and its exit status
 * becomes the sandbox's. Without a command the supervisor only waits for the deadline. A
 * deadline file that is not a number (removed, overwritten) counts as the first deadline.
 */
const SUPERVISOR = [
  `f="${DEADLINE_FILE}"; first="$0"`,
  `mkdir -p ${DEADLINE_DIR} && printf "%s\\n" "$first" > "$f"`,
  "timer() {",
  "  while :; do",
  '    d=$(cat "$f" 2>/dev/null); case "$d" in ""|*[!0-9]*) d="$first" ;; esac',
  '    n=$(date +%s); [ "$n" -ge "$d" ] && return 0',
  '    s=$((d - n)); [ "$s" -gt 60 ] && s=60; sleep "$s"',
  "  done",
  "}",
  `[ "$#" -eq 0 ] && { timer; exit ${DEADLINE_EXIT}; }`,
  `trap 'exit ${DEADLINE_EXIT}' USR1`,
  "c=",
  `trap '[ -n "$c" ] && kill -TERM "$c" 2>/dev/null' TERM`,
  "me=$$",
  '( timer; kill -USR1 "$me" ) </dev/null >/dev/null 2>&1 &',
  "exec 3<&0",
  '"$@" <&3 3<&- &',
  "c=$!",
  "exec 3<&-",
  // `wait` returns early when a trapped signal arrives; only the child's end ends the loop.
  'while :; do wait "$c"; rc=$?; kill -0 "$c" 2>/dev/null || exit "$rc"; done',
].join("\n");

/** The main command of a supervised sandbox. */
export function supervisedCommand(deadline: Date, command: readonly string[] | undefined): string[] {
  return ["sh", "-c", SUPERVISOR, String(Math.ceil(deadline.getTime() / 1000)), ...(command ?? [])];
}

/**
 * `sh -c EXTEND_SCRIPT seconds limit`: moves the deadline `seconds` later unless that passes
 * `limit` (epoch seconds), and prints the deadline in force. Exit 3: beyond the limit (the
 * deadline is printed unchanged); exit 4: the sandbox is not supervised.
 */
const EXTEND_SCRIPT = [
  `f="${DEADLINE_FILE}"`,
  'd=$(cat "$f" 2>/dev/null) || exit 4',
  'case "$d" in ""|*[!0-9]*) exit 4 ;; esac',
  'next=$((d + $0)); [ "$next" -gt "$1" ] && { echo "$d"; exit 3; }',
  'printf "%s\\n" "$next" > "$f.new" && mv -f "$f.new" "$f" && echo "$next"',
].join("\n");

export function extendArgv(seconds: number, limit: Date): string[] {
  return ["sh", "-c", EXTEND_SCRIPT, String(seconds), String(Math.floor(limit.getTime() / 1000))];
}

/** Prints the deadline, or exits 4 when the sandbox is not supervised. */
export const READ_DEADLINE_ARGV: readonly string[] = [
  "sh",
  "-c",
  `d=$(cat "${DEADLINE_FILE}" 2>/dev/null) || exit 4; case "$d" in ""|*[!0-9]*) exit 4 ;; esac; echo "$d"`,
];
