import { execFile, spawn } from "node:child_process";
import type { FileHandle } from "node:fs/promises";
import { chown, mkdir, open } from "node:fs/promises";
import { InternalError } from "@openlattice/core";
import type { ExtractJob } from "./extract/apply-layers.js";
import type { ApplyLimits, ApplyStats } from "./extract/layer-apply.js";
import { workerCommand } from "./extract/worker-command.js";

/** A layer blob in the cache, ready to apply. */
export interface CachedLayer {
  readonly path: string;
  readonly digest: string;
  readonly diffId?: string | undefined;
}

/** How to build one root filesystem. */
export interface BuildRootfsRequest {
  /** A directory that does not exist yet, on the same filesystem as its final place. */
  readonly staging: string;
  readonly layers: readonly CachedLayer[];
  readonly limits: ApplyLimits;
  /** For messages: the image being built. */
  readonly reference: string;
  /** The uid (and gid) extraction runs as when this process is root. */
  readonly extractUid: number;
  readonly signal?: AbortSignal | undefined;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Builds a rootfs from cached layers in a separate worker process (`extract/extract-worker.ts`).
 * As root, the worker runs as `extractUid` with the staging directory as its only way into the
 * cache, so a hostile layer that got past the path checks could still write nothing a nobody
 * user could not; the finished tree is then handed to root (`lchown`, never following links),
 * so no unprivileged user can change an image that sandboxes share. Unprivileged, the worker
 * runs as the same user. Fails with `internal` naming the layer when its content is bad.
 */
export async function buildRootfs(request: BuildRootfsRequest): Promise<ApplyStats> {
  const asRoot = process.getuid?.() === 0;
  await mkdir(request.staging, { mode: 0o700 });
  if (asRoot) await chown(request.staging, request.extractUid, request.extractUid);
  const handles: FileHandle[] = [];
  try {
    for (const layer of request.layers) handles.push(await open(layer.path, "r"));
    const job: ExtractJob = {
      layers: request.layers.map((layer, i) => ({ fd: 3 + i, digest: layer.digest, diffId: layer.diffId })),
      limits: request.limits,
    };
    const stats = await runWorker(request, job, handles, asRoot);
    if (asRoot) await chownTree(request.staging, 0, 0);
    return stats;
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

async function runWorker(
  request: BuildRootfsRequest,
  job: ExtractJob,
  handles: readonly FileHandle[],
  asRoot: boolean,
): Promise<ApplyStats> {
  request.signal?.throwIfAborted();
  const { command, args } = await workerCommand();
  const child = spawn(command, args, {
    cwd: request.staging,
    stdio: ["pipe", "pipe", "pipe", ...handles.map((handle) => handle.fd)],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    ...(asRoot ? { uid: request.extractUid, gid: request.extractUid } : {}),
  });
  const kill = () => child.kill("SIGKILL");
  request.signal?.addEventListener("abort", kill, { once: true });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString("utf8");
  });
  child.stdin?.on("error", () => {});
  child.stdin?.end(JSON.stringify(job));
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal }));
  }).finally(() => request.signal?.removeEventListener("abort", kill));
  request.signal?.throwIfAborted();
  let result: { ok?: boolean; stats?: ApplyStats; message?: string; layer?: boolean } | undefined;
  try {
    result = JSON.parse(stdout.trim().split("\n").pop() ?? "");
  } catch {
    result = undefined;
  }
  if (result?.ok && result.stats) return result.stats;
  const reason =
    result?.message ??
    `the extraction worker ended (${exit.signal ?? `exit ${exit.code}`}): ${stderr.trim().slice(-2000)}`;
  throw new InternalError(`${request.reference}: cannot unpack the image: ${reason}`, {
    provider: "local",
    details: { reference: request.reference },
  });
}

/**
 * `chown -hR`: coreutils walks the tree in one process (an async walk from here costs a thread-pool
 * round trip per file); `-h` changes links themselves and `-R` never follows them (`-P`).
 */
async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(
      "chown",
      ["-hRP", `${uid}:${gid}`, "--", root],
      { env: { PATH: "/usr/bin:/bin" } },
      (error, _out, stderr) =>
        error
          ? reject(
              new InternalError(`cannot hand the rootfs to root: ${stderr || error.message}`, { provider: "local" }),
            )
          : resolve(),
    );
  });
}
