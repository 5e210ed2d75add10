import { createWriteStream } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { InternalError, type Provider } from "@openlattice/core";
import { EXEC_FIFO_ROOT } from "./backend-exec.js";

/** Largest snapshot the emulator takes (it holds one in memory to restore it). */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;

/**
 * Archives every writable filesystem of the sandbox, whatever its path: each mount the
 * sandbox can write (from /proc/self/mountinfo, skipping /proc, /sys and /dev), each with
 * `--one-file-system`, so that a writable root, the workdir, /tmp or any other writable mount
 * is captured, like Modal's `snapshotFilesystem` captures the whole container filesystem. The
 * emulator's own FIFOs are left out. GNU tar's exit status 1 ("file changed as we read it")
 * is a live filesystem's normal case and is accepted.
 */
const CAPTURE = [
  "set -u",
  'mounts=$(awk \'$5 !~ "^/(proc|sys|dev)(/|$)" { n = split($6, o, ","); for (i = 1; i <= n; i++) if (o[i] == "rw") { print $5; break } }\' /proc/self/mountinfo | sed \'s#^/##; s#^$#.#\' | sort -u)',
  '[ -n "$mounts" ] || { echo "no writable filesystem to snapshot" >&2; exit 3; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template.
  'tar -C / --one-file-system --exclude="./${0#/}" --exclude="${0#/}" -cf - $mounts',
  'rc=$?; [ "$rc" -le 1 ] || exit "$rc"; exit 0',
].join("\n");

/** Unpacks a snapshot over the new sandbox's filesystem, as the restoring user. */
const RESTORE = "exec tar -C / --no-same-owner -xf -";

/**
 * Captures the writable filesystems of a backend sandbox into `file` (a tar archive), through
 * the backend's own `exec`: no backend internals are involved, so any spec v1 backend with
 * `sh`, `awk`, `sed` and GNU `tar` in its image works.
 */
export async function captureFilesystem(
  backend: Provider,
  backendId: string,
  file: string,
  signal: AbortSignal,
): Promise<{ readonly bytes: number }> {
  const out = createWriteStream(file, { mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    out.once("open", () => resolve());
    out.once("error", reject);
  });
  await opened;
  let bytes = 0;
  const tooLarge = new AbortController();
  try {
    const result = await backend
      .exec(backendId, ["sh", "-c", CAPTURE, EXEC_FIFO_ROOT], {
        signal: AbortSignal.any([signal, tooLarge.signal]),
        maxOutputBytes: 0,
        onStdoutBytes: (chunk) => {
          bytes += chunk.byteLength;
          if (bytes > MAX_SNAPSHOT_BYTES) tooLarge.abort(new Error("too large"));
          else out.write(chunk);
        },
        onStderrBytes: () => undefined,
      })
      .catch((error: unknown) => {
        if (tooLarge.signal.aborted) {
          throw new InternalError(
            `the sandbox's writable filesystems exceed the emulator's snapshot limit of ${MAX_SNAPSHOT_BYTES} bytes`,
          );
        }
        throw error;
      });
    if (result.exitCode !== 0) {
      throw new InternalError(`snapshot failed (tar exited ${result.exitCode}): ${result.stderr.trim().slice(-500)}`);
    }
  } catch (error) {
    out.destroy();
    await rm(file, { force: true });
    throw error;
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { bytes: (await stat(file)).size };
}

/** Unpacks a snapshot taken by `captureFilesystem` into a fresh backend sandbox. */
export async function restoreFilesystem(backend: Provider, backendId: string, file: string): Promise<void> {
  const archive = await readFile(file);
  const result = await backend.exec(backendId, ["sh", "-c", RESTORE], { stdin: archive, maxOutputBytes: 64 * 1024 });
  if (result.exitCode !== 0) {
    throw new InternalError(`restoring the snapshot failed (tar exited ${result.exitCode}): ${result.stderr.trim()}`);
  }
}
