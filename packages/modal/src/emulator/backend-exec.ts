import type { ExecOptions, Provider } from "@openlattice/core";
import type { ExecRunner } from "./exec-session.js";

/** Where the per-exec stdin FIFOs live inside a backend sandbox. */
export const EXEC_FIFO_ROOT = "/tmp/.openlattice-emulator";

/**
 * The wrapper every emulated exec runs in (`sh -c WRAPPER DIR ARGV...`). Modal starts a
 * command at `TaskExecStart` and streams stdin into it afterwards, while `Provider.exec` takes
 * stdin up front; so the command starts at once reading a FIFO (`in`), later stdin arrives
 * through short writer execs, and EOF is a line on a second FIFO (`ctl`) that releases a
 * background holder of `in`'s write end.
 *
 * Order matters, because a FIFO with no process left on one side loses its buffered bytes
 * and a reader opening it with no writer blocks: the wrapper opens both FIFOs read-write
 * (never blocks), then the command's read end of `in` (a writer exists, so this does not block
 * either), hands the write end and `ctl` to the holder and closes its own copies. Only then
 * does it print one byte (`R`, removed from the output) to say stdin may flow. From that
 * moment `in` has a reader until the command ends and a writer until EOF, and `ctl` is held
 * open by the holder, so no byte, no EOF line and no open can be lost or blocked however late
 * the processes get scheduled. The arguments stay positional (`"$@"`): nothing the caller sent
 * is parsed by a shell. After the command ends the wrapper releases the holder and removes the
 * FIFOs, keeping the command's exit status.
 *
 * The command itself reads an anonymous pipe that a background `cat` fills from `in`, as a
 * container's stdin is on Modal: a program that reopens its stdin (`cat /dev/stdin`, Tailscale's
 * `--auth-key=file:/dev/stdin`) after the client sent EOF would block for good on a named FIFO
 * with no writer left, while reopening a pipe succeeds. The relay is started in a subshell that
 * exits at once, so the pipeline ends with the command; the relay ends at EOF or on its next write
 * once the command is gone.
 */
const WRAPPER = [
  'd="$0"',
  'mkdir -p "$d" && mkfifo "$d/in" "$d/ctl" || { echo "openlattice Modal emulator: cannot create stdin FIFOs in $d (the image needs sh, mkdir and mkfifo and a writable /tmp)" >&2; exit 126; }',
  'exec 3<>"$d/in" 4<>"$d/ctl"',
  'exec 5<"$d/in"',
  "( read -r _ <&4 ) </dev/null >/dev/null 2>&1 5<&- &",
  "exec 3>&- 4>&-",
  "printf R",
  '{ cat <&5 5<&- 2>/dev/null & } | "$@" 5<&-',
  "rc=$?",
  "exec 5<&-",
  'echo 1<>"$d/ctl"',
  'rm -rf "$d"',
  'exit "$rc"',
].join("\n");

/** Appends one stdin chunk (this exec's own stdin) to the command's FIFO. */
const WRITE_CHUNK = 'exec cat >"$0/in"';
/** Releases the holder: the command reads EOF once every chunk before it was written. */
const SEND_EOF = '[ -p "$0/ctl" ] && echo 1<>"$0/ctl"; exit 0';

/** What a backend exec needs from the router's `TaskExecStartRequest`. */
export interface BackendExecRequest {
  readonly execId: string;
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly workdir?: string | undefined;
  readonly timeoutSecs?: number | undefined;
  readonly stdoutPiped: boolean;
  readonly stderrPiped: boolean;
}

/**
 * Runs an exec on the backend sandbox `backendId` with streamed stdin (see `WRAPPER`). Stdin
 * chunks are written in order, one short exec each; when the command ends, pending writes are
 * aborted and later stdin is dropped, as a closed pipe would.
 */
export function backendExecRunner(backend: Provider, backendId: string, request: BackendExecRequest): ExecRunner {
  const dir = `${EXEC_FIFO_ROOT}/${request.execId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return async ({ stdin, stdout, stderr }) => {
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    let marker = true;
    const options: ExecOptions = {
      env: request.env,
      ...(request.workdir ? { cwd: request.workdir } : {}),
      ...(request.timeoutSecs ? { timeoutMs: request.timeoutSecs * 1000 } : {}),
      onStdoutBytes: (chunk: Uint8Array) => {
        let data = chunk;
        if (marker && data.byteLength > 0) {
          // The wrapper's READY byte comes first; it is not the command's output.
          marker = false;
          data = data.subarray(1);
          markReady();
        }
        if (request.stdoutPiped && data.byteLength > 0) stdout.push(data);
      },
      ...(request.stderrPiped ? { onStderrBytes: (chunk: Uint8Array) => stderr.push(chunk) } : {}),
      // Output is streamed through the callbacks; the backend need not keep a copy.
      maxOutputBytes: 0,
    };
    const main = backend.exec(backendId, ["sh", "-c", WRAPPER, dir, ...request.argv], options);
    const writers = new AbortController();
    const feeding = (async () => {
      // A wrapper that ended without READY (it could not create the FIFOs) takes no stdin.
      await Promise.race([
        ready,
        main.then(
          () => undefined,
          () => undefined,
        ),
      ]);
      if (marker) return;
      for await (const chunk of stdin.chunks()) {
        if (writers.signal.aborted) return;
        const written = await backend.exec(backendId, ["sh", "-c", WRITE_CHUNK, dir], {
          stdin: chunk,
          signal: writers.signal,
          maxOutputBytes: 4096,
        });
        // The command closed its stdin (or ended): the rest has nowhere to go.
        if (written.exitCode !== 0) return;
      }
      if (!writers.signal.aborted) {
        await backend.exec(backendId, ["sh", "-c", SEND_EOF, dir], { signal: writers.signal, maxOutputBytes: 4096 });
      }
    })().catch(() => undefined);
    try {
      const result = await main;
      // Modal reports a killed exec as a signal; the SDK turns it into 128 + signal.
      if (result.timedOut) return { signal: 9 };
      return { code: result.exitCode };
    } finally {
      writers.abort();
      stdin.abandon();
      await feeding;
    }
  };
}
