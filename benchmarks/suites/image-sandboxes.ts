import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { LocalProvider } from "@openlattice/local";
import type { BenchSuite } from "../harness/suite.ts";
import { buildImage, startRegistry } from "./images.ts";

const run = promisify(execFile);
const TOOLS_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir() };

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/** Bytes on disk of `paths` together (du counts a hardlinked file once). */
async function diskBytes(paths: readonly string[]): Promise<number> {
  const present = paths.filter((p) => existsSync(p));
  if (present.length === 0) return 0;
  const { stdout } = await run("du", ["-scx", "-B1", ...present], { env: TOOLS_ENV });
  return Number(/(\d+)\s+total\s*$/.exec(stdout)?.[1] ?? Number.NaN);
}

/** Where the provider keeps workspaces and root layers: `<stateDir>/work`, or the traversable one as root. */
function workDirs(stateDir: string, ids: readonly string[]): string[] {
  const own = path.join(stateDir, "work");
  const bases = existsSync(own) ? [own] : [];
  const shared = path.join(os.tmpdir(), `openlattice-local-${process.getuid?.()}`);
  if (existsSync(shared)) bases.push(...readdirSync(shared).map((key) => path.join(shared, key)));
  return bases.flatMap((base) => ids.flatMap((id) => [path.join(base, id), path.join(base, `${id}.root`)]));
}

/**
 * A cached registry image on the local provider against the host image, in one run: TTI
 * (provision → first exec done) of each, interleaved round by round, and the disk used by ten
 * sandboxes of one image against one (the image cache plus every sandbox's workspace and
 * writable layer). Needs the namespace tier, docker-registry, skopeo and umoci.
 */
export const benchSuite: BenchSuite = {
  name: "image-sandboxes",
  title: "registry image sandboxes: cached-image TTI vs host, disk of 10 sandboxes vs 1",
  async run({ quick, log }) {
    for (const tool of ["docker-registry", "skopeo", "umoci"]) {
      const found = await run("sh", ["-c", `command -v ${tool}`]).then(
        () => true,
        () => false,
      );
      if (!found) return { data: { skipped: `${tool} is not installed` }, summary: [`skipped: ${tool} missing`] };
    }
    const work = mkdtempSync(path.join(os.tmpdir(), "ol-bench-image-sandboxes-"));
    const registry = await startRegistry(work);
    const stateDir = path.join(work, "state");
    const provider = new LocalProvider({ stateDir, images: { credentials: async () => undefined } });
    try {
      if (provider.tier !== "namespace") {
        return { data: { skipped: "no namespace tier" }, summary: ["skipped: no namespace tier"] };
      }
      const built = await buildImage(work);
      const image = `${registry.host}/bench/python:1`;
      await run(
        "skopeo",
        ["copy", "--quiet", "--dest-tls-verify=false", `oci:${built.layout}:bench`, `docker://${image}`],
        { env: TOOLS_ENV },
      );
      const tti = async (spec: { runtime?: { image: string } }) => {
        const started = performance.now();
        const node = await provider.provision(spec);
        await provider.exec(node.externalId, ["/bin/busybox", "true"]);
        const ms = performance.now() - started;
        await provider.destroy(node.externalId);
        return ms;
      };
      // Warm-up (and the one pull): not reported.
      await tti({ runtime: { image } });
      await tti({});
      const rounds = quick ? 2 : 15;
      const host: number[] = [];
      const cached: number[] = [];
      for (let i = 0; i < rounds; i++) {
        host.push(await tti({}));
        cached.push(await tti({ runtime: { image } }));
      }
      log(`  TTI host p50 ${median(host).toFixed(1)} ms, cached image p50 ${median(cached).toFixed(1)} ms`);
      const disk = async (count: number) => {
        const nodes = [];
        for (let i = 0; i < count; i++) nodes.push(await provider.provision({ runtime: { image } }));
        const ids = nodes.map((node) => node.externalId);
        const bytes = await diskBytes([stateDir, ...workDirs(stateDir, ids)]);
        await Promise.all(ids.map((id) => provider.destroy(id)));
        return bytes;
      };
      const one = await disk(1);
      const ten = await disk(10);
      const data = {
        image: { files: built.files, compressedBytes: built.compressedBytes },
        rounds,
        ttiHostP50Ms: median(host),
        ttiCachedImageP50Ms: median(cached),
        diskOneSandboxBytes: one,
        diskTenSandboxesBytes: ten,
      };
      return {
        data,
        summary: [
          `TTI (provision → first exec) p50: cached image ${data.ttiCachedImageP50Ms.toFixed(1)} ms vs host ${data.ttiHostP50Ms.toFixed(1)} ms`,
          `disk: 10 sandboxes of one image ${(ten / 1e6).toFixed(1)} MB vs 1 sandbox ${(one / 1e6).toFixed(1)} MB`,
        ],
        ratios: {
          "tti cached image / host (p50)": data.ttiCachedImageP50Ms / data.ttiHostP50Ms,
          "disk 10 sandboxes / 1 sandbox": ten / one,
        },
      };
    } finally {
      await provider.close();
      await registry.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
