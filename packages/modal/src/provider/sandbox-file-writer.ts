import { randomUUID } from "node:crypto";
import path from "node:path";
import { InternalError, InvalidArgumentError } from "@openlattice/core";
import type { Sandbox } from "modal";
import { ModalExecProcess } from "./exec-process.js";
import { mapModalError } from "./map-modal-error.js";

/**
 * `sh -c WRITER target tmp dir`: refuses a directory target, creates the parents, opens the
 * temporary file (owner-only while it is incomplete), says `R` once it is open, then becomes
 * `cat` from stdin into it. Nothing the caller sent is parsed by the shell.
 */
const WRITER = [
  '[ -d "$0" ] && { echo "is a directory" >&2; exit 21; }',
  'mkdir -p -- "$2" || exit 20',
  'umask 077; exec 3>"$1" || exit 22',
  "printf R",
  "exec cat >&3",
].join("\n");

/**
 * `sh -c COMMIT tmp target bytes mode`: checks that every byte arrived, applies the mode and
 * renames the file over the target (atomic within the directory); on a mismatch it removes
 * the temporary file instead.
 */
const COMMIT = [
  'n=$(wc -c < "$0") || exit 1; n=$((n))',
  '[ "$n" -eq "$2" ] || { rm -f "$0"; echo "only $n of $2 bytes arrived" >&2; exit 1; }',
  'chmod "$3" "$0" && mv -f "$0" "$1"',
].join("\n");

/** `sh -c DISCARD tmp`: removes the temporary file of an aborted write. */
const DISCARD = 'rm -f "$0"';

const WRITER_ERRORS: Record<number, string> = {
  20: "a parent of the path is not a directory (or cannot be created)",
  21: "is a directory",
  22: "cannot be written",
};

export interface FileWriterOptions {
  readonly mode: number;
  readonly onProgress: ((bytes: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly externalId: string;
}

/**
 * A web stream that writes a file in a Modal sandbox in constant memory: the bytes go to a
 * `cat` exec's stdin as they are written (each write waits for the server, so the caller is
 * held back as a full pipe would), into a temporary file beside the target. Closing the
 * stream checks the size, applies the mode and renames it into place; an aborted or failed
 * write removes it and leaves the old file as it was. Resolves once the file is open.
 */
export async function openFileWriter(
  sandbox: Sandbox,
  target: string,
  options: FileWriterOptions,
): Promise<WritableStream<Uint8Array>> {
  const dir = path.posix.dirname(target);
  const tmp = `${dir}/.${path.posix.basename(target)}.${randomUUID().slice(0, 12)}.openlattice-part`;
  const fail = (error: unknown) =>
    mapModalError(error, { operation: "fileStreams.writeStream", externalId: options.externalId });
  const writer = await ModalExecProcess.start(sandbox, {
    argv: ["sh", "-c", WRITER, target, tmp, dir],
    env: {},
    workdir: undefined,
    timeoutSecs: undefined,
    killable: false,
  }).catch((error: unknown) => {
    throw fail(error);
  });
  const exit = writer.wait();
  exit.catch(() => undefined);
  const stderr = collect(writer.stderr).catch(() => "");
  if (!(await readyByte(writer.stdout))) {
    const code = await exit.catch(() => -1);
    const reason = WRITER_ERRORS[code] ?? `the writer ended (exit ${code}): ${(await stderr).slice(-300)}`;
    throw new InvalidArgumentError("path", `${target} ${reason}`, { provider: "modal", details: { path: target } });
  }

  let written = 0;
  let settled = false;
  const helper = async (argv: string[]): Promise<{ code: number; stderr: string }> => {
    const run = await sandbox.exec(argv, { mode: "binary", timeoutMs: 60_000 });
    await run.stdin.close();
    const [, errors, code] = await Promise.all([run.stdout.readBytes(), run.stderr.readBytes(), run.wait()]);
    return { code, stderr: new TextDecoder().decode(errors).trim() };
  };
  const discard = async () => {
    if (settled) return;
    settled = true;
    await writer.closeStdin().catch(() => undefined);
    await exit.catch(() => undefined);
    await helper(["sh", "-c", DISCARD, tmp]).catch(() => undefined);
  };

  return new WritableStream<Uint8Array>(
    {
      start(controller) {
        options.signal?.addEventListener(
          "abort",
          () => {
            controller.error(options.signal?.reason);
            void discard();
          },
          { once: true },
        );
      },
      async write(chunk) {
        if (!(chunk instanceof Uint8Array)) {
          await discard();
          throw new InvalidArgumentError("chunk", "writeStream takes Uint8Array chunks", { provider: "modal" });
        }
        try {
          await writer.write(chunk);
        } catch (error) {
          await discard();
          throw fail(error);
        }
        written += chunk.byteLength;
        options.onProgress?.(written);
      },
      async close() {
        try {
          await writer.closeStdin();
          const code = await exit;
          if (code !== 0) {
            throw new InternalError(
              `fileStreams.writeStream ${options.externalId}: writing ${target} failed (exit ${code}): ${(await stderr).slice(-300)}`,
              { provider: "modal" },
            );
          }
          const commit = await helper([
            "sh",
            "-c",
            COMMIT,
            tmp,
            target,
            String(written),
            (options.mode & 0o7777).toString(8),
          ]);
          if (commit.code === 0) settled = true;
          else {
            throw new InternalError(
              `fileStreams.writeStream ${options.externalId}: ${target}: ${commit.stderr.slice(-300)}`,
              {
                provider: "modal",
              },
            );
          }
        } catch (error) {
          await discard();
          throw fail(error);
        }
      },
      async abort() {
        await discard();
      },
    },
    { highWaterMark: 1 },
  );
}

/** Waits for the writer's `R`; false when its stdout ended without it. */
async function readyByte(stdout: AsyncIterable<Uint8Array>): Promise<boolean> {
  const iterator = stdout[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) return false;
    if (value.byteLength > 0) {
      // The rest of stdout (nothing, normally) is drained so that the stream ends cleanly.
      void (async () => {
        for (let more = await iterator.next(); !more.done; more = await iterator.next());
      })().catch(() => undefined);
      return value[0] === 0x52;
    }
  }
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return new TextDecoder().decode(Buffer.concat(parts)).trim();
}
