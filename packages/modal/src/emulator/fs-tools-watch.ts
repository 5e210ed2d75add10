import type { FileEventType, Provider } from "@openlattice/core";
import type { ExecExit, ExecIo, ExecRunner } from "./exec-session.js";

/** The `Watch` command of `modal-sandbox-fs-tools`, as the SDK's `filesystem.watch` sends it. */
export interface WatchCommand {
  readonly path: string;
  readonly recursive?: boolean;
  /** Event types to report (`Create`, `Modify`, `Remove`, `Access`, rename variants); null = all. */
  readonly filter?: readonly string[] | null;
  readonly timeout_secs?: number | null;
}

/** How often the fallback watcher compares the tree, in seconds. */
const POLL_SECONDS = "0.2";

/**
 * The fallback watcher, for backends without a `fileWatch` extension: a loop inside the backend
 * sandbox lists the watched tree (GNU `find -printf`: type, mtime, size, path) every
 * `POLL_SECONDS` and `awk` compares each listing with the previous one, printing what changed
 * as `C|M|D<TAB>path`, after one `READY` line once the first listing is taken. Directories' own
 * modifications are not reported (inotify reports the entries that changed inside them, which
 * the listing sees too). Paths with a newline are not supported.
 */
const POLL_SCRIPT = [
  'p="$0"; depth="$1"; t="/tmp/.openlattice-watch.$$"',
  '[ -e "$p" ] || { echo "NOTFOUND" >&2; exit 2; }',
  'if [ -d "$p" ]; then min=1; else min=0; fi',
  'snap() { find "$p" -mindepth "$min" $depth -printf "%y %T@ %s %p\\n" > "$t.new" 2>/dev/null; }',
  // Listings of watchers that were killed (SIGKILL skips the trap) are removed here.
  'for f in /tmp/.openlattice-watch.*.old; do [ -e "$f" ] && ! kill -0 "$(echo "$f" | tr -cd 0-9)" 2>/dev/null && rm -f "$f"; done',
  'trap \'rm -f "$t.old" "$t.new"\' EXIT; trap "exit 0" TERM INT HUP',
  'snap; mv "$t.new" "$t.old"; echo READY',
  `while sleep ${POLL_SECONDS}; do`,
  "  snap",
  "  awk '",
  '    { line = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", line) }',
  '    FILENAME == ARGV[1] { old[line] = $1 " " $2 " " $3; next }',
  '    { cur[line] = $1 " " $2 " " $3 }',
  '    END { for (k in cur) { if (!(k in old)) print "C\\t" k; else if (old[k] != cur[k] && substr(cur[k], 1, 1) != "d") print "M\\t" k }',
  '      for (k in old) if (!(k in cur)) print "D\\t" k }',
  '  \' "$t.old" "$t.new"',
  '  mv "$t.new" "$t.old"',
  "done",
].join("\n");

const CODES: Record<string, FileEventType> = { C: "create", M: "modify", D: "delete" };
const MODAL_TYPES: Record<FileEventType, string> = { create: "Create", modify: "Modify", delete: "Remove" };

const encoder = new TextEncoder();

/**
 * Emulates fs-tools' `Watch`: one JSON line per event on stdout
 * (`{"event_type":"Create","paths":[…]}`), until stdin closes (what the SDK does when its
 * iterator is closed), the timeout passes or the sandbox ends. It uses the backend's
 * `fileWatch` extension where declared, else the polling loop above. `ready` resolves once
 * the watch is in place (or has failed), so that `TaskExecStart` can answer only then.
 */
export function watchRunner(
  backend: Provider,
  backendId: string,
  command: WatchCommand,
): { runner: ExecRunner; ready: Promise<void> } {
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const allowed = command.filter ? new Set(command.filter) : undefined;
  const runner: ExecRunner = async (io) => {
    const stop = new AbortController();
    const timer =
      command.timeout_secs && command.timeout_secs > 0
        ? setTimeout(() => stop.abort(), command.timeout_secs * 1000)
        : undefined;
    // Closing stdin ends the watch (the SDK closes it, then waits for the exit).
    void io.stdin
      .readAll()
      .catch(() => undefined)
      .finally(() => stop.abort());
    const emit = (type: FileEventType, path: string) => {
      const modalType = MODAL_TYPES[type];
      if (allowed && !allowed.has(modalType)) return;
      io.stdout.push(encoder.encode(`${JSON.stringify({ event_type: modalType, paths: [path] })}\n`));
    };
    try {
      return backend.capabilities.extensions.includes("fileWatch")
        ? await watchWithExtension(backend, backendId, command, io, emit, markReady, stop.signal)
        : await watchByPolling(backend, backendId, command, io, emit, markReady, stop.signal);
    } finally {
      if (timer) clearTimeout(timer);
      stop.abort();
      markReady();
    }
  };
  return { runner, ready };
}

type Emit = (type: FileEventType, path: string) => void;

async function watchWithExtension(
  backend: Provider,
  backendId: string,
  command: WatchCommand,
  io: ExecIo,
  emit: Emit,
  markReady: () => void,
  signal: AbortSignal,
): Promise<ExecExit> {
  const extension = backend.getExtension(backendId, "fileWatch");
  if (!extension) return fail(io, "NotSupported", "the emulator's backend has no fileWatch extension");
  let events: AsyncIterable<{ type: FileEventType; path: string }>;
  try {
    events = await extension.watch(command.path, { recursive: command.recursive ?? false, signal });
  } catch (error) {
    const notFound = (error as { code?: string }).code === "not_found";
    return fail(io, notFound ? "NotFound" : "Other", notFound ? "No such file or directory" : String(error));
  }
  markReady();
  // inotify reports a write that creates a file as a create and a modify a moment apart; Modal's
  // watcher (like the polling fallback) reports one change there, so a modify of a path that was
  // created or modified less than 100 ms before is folded into that event.
  const last = new Map<string, number>();
  try {
    for await (const event of events) {
      const now = performance.now();
      const previous = last.get(event.path);
      last.set(event.path, now);
      if (event.type === "modify" && previous !== undefined && now - previous < 100) continue;
      if (event.type === "delete") last.delete(event.path);
      emit(event.type, event.path);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return { code: 0 };
}

async function watchByPolling(
  backend: Provider,
  backendId: string,
  command: WatchCommand,
  io: ExecIo,
  emit: Emit,
  markReady: () => void,
  signal: AbortSignal,
): Promise<ExecExit> {
  const decoder = new TextDecoder();
  let pending = "";
  const onLine = (line: string) => {
    if (line === "READY") return markReady();
    const code = CODES[line[0] ?? ""];
    if (code && line[1] === "\t") emit(code, line.slice(2));
  };
  let result: { exitCode: number; stderr: string };
  try {
    result = await backend.exec(
      backendId,
      ["sh", "-c", POLL_SCRIPT, command.path, command.recursive ? "" : "-maxdepth 1"],
      {
        signal,
        maxOutputBytes: 4096,
        onStdoutBytes: (chunk) => {
          pending += decoder.decode(chunk, { stream: true });
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) onLine(line);
        },
      },
    );
  } catch (error) {
    // The watch was ended (stdin closed, timeout, sandbox gone): a clean end, as fs-tools exits.
    if (signal.aborted) return { code: 0 };
    throw error;
  }
  if (result.stderr.includes("NOTFOUND")) return fail(io, "NotFound", "No such file or directory");
  return fail(io, "Other", `the emulator's watcher ended: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
}

function fail(io: ExecIo, kind: string, message: string): ExecExit {
  io.stderr.push(encoder.encode(JSON.stringify({ error_kind: kind, message, detail: "" })));
  return { code: 1 };
}
