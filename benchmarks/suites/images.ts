import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ImageStore } from "@openlattice/local";
import { round } from "../harness/stats.ts";

const run = promisify(execFile);
const TOOLS_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir() };

export interface ImagePullRound {
  /** `skopeo copy docker://… oci:…`: download and verify, no unpacking. */
  readonly skopeoCopyMs: number;
  /** The same copy followed by `umoci unpack`: what a full pull costs with those tools. */
  readonly skopeoUmociMs: number;
  /** `ImageStore.resolve` on an empty cache: download, verify, unpack. */
  readonly firstPullMs: number;
  /** `resolve` of the same tag again, same store. */
  readonly secondResolveMs: number;
  /** `resolve` from a new store on the same cache (a restarted process). */
  readonly restartResolveMs: number;
}

export interface ImagePullResult {
  readonly skipped?: string;
  readonly image?: { readonly files: number; readonly compressedBytes: number };
  readonly rounds: readonly ImagePullRound[];
  readonly median?: ImagePullRound;
  readonly ratios: Record<string, number>;
}

/**
 * Pull cost of a python-sized image (busybox, the host's python3.11 binary and its standard
 * library: ~1,400 files, ~30 MB) from a local docker-registry, next to skopeo (the reference
 * client) doing the same in the same run, interleaved round by round after one warm-up round. Skipped, saying why, where
 * docker-registry, skopeo or umoci are missing.
 */
export async function runImagePull(rounds: number): Promise<ImagePullResult> {
  for (const tool of ["docker-registry", "skopeo", "umoci"]) {
    const found = await run("sh", ["-c", `command -v ${tool}`]).then(
      () => true,
      () => false,
    );
    if (!found) return { skipped: `${tool} is not installed`, rounds: [], ratios: {} };
  }
  const work = mkdtempSync(path.join(os.tmpdir(), "ol-bench-images-"));
  const registry = await startRegistry(work);
  try {
    const image = await buildImage(work);
    const reference = `${registry.host}/bench/python:1`;
    await run(
      "skopeo",
      ["copy", "--quiet", "--dest-tls-verify=false", `oci:${image.layout}:bench`, `docker://${reference}`],
      {
        env: TOOLS_ENV,
      },
    );
    const results: ImagePullRound[] = [];
    // Round 0 is a warm-up, not reported: page cache, skopeo's and the worker's first start
    // (run from source, the worker is bundled once per process).
    for (let index = 0; index <= rounds; index++) {
      const scratch = path.join(work, `round-${index}`);
      mkdirSync(scratch);
      const skopeoCopyMs = await timed(() => skopeoCopy(reference, path.join(scratch, "copy")));
      const skopeoUmociMs = await timed(async () => {
        await skopeoCopy(reference, path.join(scratch, "full"));
        await run("umoci", ["unpack", "--image", `${path.join(scratch, "full")}:bench`, path.join(scratch, "bundle")], {
          env: TOOLS_ENV,
        });
      });
      const stateDir = path.join(scratch, "state");
      const store = new ImageStore({ stateDir, credentials: async () => undefined });
      const firstPullMs = await timed(() => store.resolve(reference));
      const secondResolveMs = await timed(() => store.resolve(reference));
      const restarted = new ImageStore({ stateDir, credentials: async () => undefined });
      const restartResolveMs = await timed(() => restarted.resolve(reference));
      if (index > 0) results.push({ skopeoCopyMs, skopeoUmociMs, firstPullMs, secondResolveMs, restartResolveMs });
      rmSync(scratch, { recursive: true, force: true });
    }
    const median = medianRound(results);
    return {
      image: { files: image.files, compressedBytes: image.compressedBytes },
      rounds: results.map(roundRound),
      median: roundRound(median),
      ratios: {
        "image first pull / skopeo copy": round(median.firstPullMs / median.skopeoCopyMs),
        "image first pull / skopeo copy + umoci unpack": round(median.firstPullMs / median.skopeoUmociMs),
        "image second resolve / first pull": round(median.secondResolveMs / median.firstPullMs),
        "image second resolve / skopeo copy": round(median.secondResolveMs / median.skopeoCopyMs),
        "image resolve after restart / skopeo copy": round(median.restartResolveMs / median.skopeoCopyMs),
      },
    };
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function skopeoCopy(reference: string, layout: string) {
  return run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${reference}`, `oci:${layout}:bench`], {
    env: TOOLS_ENV,
  });
}

/** Builds the image with umoci (an independent image builder): one layer of host files. */
async function buildImage(work: string): Promise<{ layout: string; files: number; compressedBytes: number }> {
  const layout = path.join(work, "layout");
  const bundle = path.join(work, "bundle");
  await run("umoci", ["init", "--layout", layout], { env: TOOLS_ENV });
  await run("umoci", ["new", "--image", `${layout}:bench`], { env: TOOLS_ENV });
  await run("umoci", ["unpack", "--image", `${layout}:bench`, bundle], { env: TOOLS_ENV });
  const rootfs = path.join(bundle, "rootfs");
  mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  cpSync("/bin/busybox", path.join(rootfs, "bin/busybox"));
  mkdirSync(path.join(rootfs, "usr/bin"), { recursive: true });
  cpSync("/usr/bin/python3.11", path.join(rootfs, "usr/bin/python3.11"));
  cpSync("/usr/lib/python3.11", path.join(rootfs, "usr/lib/python3.11"), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => !source.includes("/config-3.11-"),
  });
  await run("umoci", ["repack", "--image", `${layout}:bench`, bundle], { env: TOOLS_ENV });
  const { stdout } = await run("sh", ["-c", `find ${rootfs} | wc -l; du -sb ${layout}/blobs | cut -f1`]);
  const [files, bytes] = stdout.trim().split("\n").map(Number);
  rmSync(bundle, { recursive: true, force: true });
  return { layout, files: files ?? 0, compressedBytes: bytes ?? 0 };
}

async function startRegistry(work: string): Promise<{ host: string; stop(): Promise<void> }> {
  const config = path.join(work, "registry.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(work, "registry")}\nhttp:\n  addr: 127.0.0.1:0\n  secret: bench-only\n`,
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", config], {
    stdio: ["ignore", "pipe", "pipe"],
    env: TOOLS_ENV,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`docker-registry did not start: ${seen}`));
    }, 15_000);
    // Keeps reading after start-up too: a full pipe would stall the registry's logging.
    const onData = (chunk: Buffer) => {
      if (seen.length > 4096) return;
      seen += chunk.toString("utf8");
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    host: `127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function medianRound(rounds: readonly ImagePullRound[]): ImagePullRound {
  const median = (pick: (round: ImagePullRound) => number) => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] as number;
  };
  return {
    skopeoCopyMs: median((r) => r.skopeoCopyMs),
    skopeoUmociMs: median((r) => r.skopeoUmociMs),
    firstPullMs: median((r) => r.firstPullMs),
    secondResolveMs: median((r) => r.secondResolveMs),
    restartResolveMs: median((r) => r.restartResolveMs),
  };
}

function roundRound(entry: ImagePullRound): ImagePullRound {
  return Object.fromEntries(
    Object.entries(entry).map(([key, value]) => [key, round(value)]),
  ) as unknown as ImagePullRound;
}
