import { chmod, mkdtemp, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

let fromSource: Promise<string> | undefined;

/**
 * How to start the extraction worker. A built package runs `dist/image-extract-worker.js`
 * (tsup builds it next to the bundle). Run from source (the workspace's tests), the worker is
 * bundled once per process with esbuild into a world-readable temporary file: it cannot be run
 * through a TypeScript loader, because as an unprivileged uid its working directory (the rootfs
 * being built) is the only directory of the cache it can reach, and loaders start helpers there.
 */
export async function workerCommand(): Promise<{ command: string; args: string[] }> {
  const here = anchor();
  if (!here.endsWith(".ts")) {
    return { command: process.execPath, args: [path.join(path.dirname(here), "image-extract-worker.js")] };
  }
  fromSource ??= bundleFromSource(path.join(path.dirname(here), "extract-worker.ts"));
  fromSource.catch(() => {
    fromSource = undefined;
  });
  return { command: process.execPath, args: [await fromSource] };
}

async function bundleFromSource(entry: string): Promise<string> {
  // A development dependency, only ever reached from source.
  const esbuild = await import("esbuild");
  const dir = await promisify(mkdtemp)(path.join(os.tmpdir(), "ol-extract-worker-"));
  await promisify(chmod)(dir, 0o755);
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  // CommonJS: the bundled dependencies (tar-stream, streamx) `require` Node builtins.
  const outfile = path.join(dir, "extract-worker.cjs");
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "silent",
  });
  await promisify(chmod)(outfile, 0o644);
  return outfile;
}

function anchor(): string {
  return typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
}
