import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { ImageStore } from "../../src/images/index.js";
import { tempStateDir } from "../helpers.js";
import { startCountingProxy } from "./fixtures/counting-proxy.js";
import { startRegistry } from "./fixtures/registry.js";
import { freshStore, type ImageWorld, setUpImages } from "./fixtures/setup.js";

const here = path.dirname(fileURLToPath(import.meta.url));

let world: ImageWorld;
beforeAll(async () => {
  world = await setUpImages(["big", "corrupt"]);
}, 60_000);

/** The layer digests of `repository:1` as the registry serves them (skopeo may recompress on push). */
async function layersOf(host: string, repository: string): Promise<string[]> {
  const response = await fetch(`http://${host}/v2/${repository}/manifests/1`, {
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  const manifest = (await response.json()) as { layers: { digest: string }[] };
  return manifest.layers.map((layer) => layer.digest);
}

/** The cache holds only whole, verified blobs, no temporary files and no rootfs or record of a failed pull. */
function expectNothingHalfWritten(store: ImageStore, missing: string): void {
  const blobs = readdirSync(path.join(store.root, "blobs/sha256"));
  expect(blobs).not.toContain(missing.slice("sha256:".length));
  for (const name of blobs) {
    const content = readFileSync(path.join(store.root, "blobs/sha256", name));
    expect(createHash("sha256").update(content).digest("hex")).toBe(name);
  }
  expect(readdirSync(path.join(store.root, "tmp"))).toEqual([]);
  expect(readdirSync(path.join(store.root, "rootfs"))).toEqual([]);
  expect(readdirSync(path.join(store.root, "meta"))).toEqual([]);
}

describe("pull failures", () => {
  it("fails internal on a corrupt layer and keeps none of it", async () => {
    const [digest] = await layersOf(world.registry.host, "test/corrupt");
    const hex = (digest as string).slice("sha256:".length);
    const data = path.join(world.registry.dataDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    // Flip one byte in the registry's own storage: same size, wrong content.
    const fd = openSync(data, "r+");
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 1000);
    writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, 1000);
    closeSync(fd);
    const store = freshStore();
    await expect(store.resolve(world.ref("corrupt"))).rejects.toMatchObject({
      code: "internal",
      message: expect.stringMatching(/corrupt download.*partial download was removed/),
    });
    expectNothingHalfWritten(store, digest as string);
  });

  it("fails unavailable when a download stalls past idleTimeoutMs", async () => {
    const proxy = await startCountingProxy(world.registry.host);
    proxy.holdBlobsAfter = 64 * 1024;
    try {
      const store = freshStore({ idleTimeoutMs: 300 });
      const [, big] = await layersOf(world.registry.host, "test/big");
      await expect(store.resolve(world.ref("big", proxy.host))).rejects.toMatchObject({
        code: "unavailable",
        retryable: true,
        message: expect.stringContaining("stalled"),
      });
      expectNothingHalfWritten(store, big as string);
    } finally {
      await proxy.close();
    }
  });

  it("stops at once when the caller aborts mid-download, leaving nothing behind", async () => {
    const proxy = await startCountingProxy(world.registry.host);
    proxy.holdBlobsAfter = 64 * 1024;
    try {
      const store = freshStore();
      const [, big] = await layersOf(world.registry.host, "test/big");
      const controller = new AbortController();
      const pull = store.resolve(world.ref("big", proxy.host), { signal: controller.signal });
      await proxy.held;
      const reason = new Error("caller gave up");
      controller.abort(reason);
      await expect(pull).rejects.toBe(reason);
      // The shared download is aborted too (no one else waits for it) and cleans up after itself.
      await expect.poll(() => readdirSync(path.join(store.root, "tmp")).length, { timeout: 5000 }).toBe(0);
      expectNothingHalfWritten(store, big as string);
    } finally {
      await proxy.close();
    }
  });

  it("leaves nothing visible when the pulling process is killed mid-download; the next store cleans up", async () => {
    const proxy = await startCountingProxy(world.registry.host);
    proxy.holdBlobsAfter = 64 * 1024;
    const stateDir = tempStateDir("ol-images-crash-");
    const tsx = createRequire(path.resolve(here, "../../../../benchmarks/package.json")).resolve("tsx/esm");
    const child = spawn(
      process.execPath,
      [
        "--conditions=@openlattice/source",
        "--import",
        tsx,
        path.join(here, "fixtures/pull-owner.ts"),
        stateDir,
        world.ref("big", proxy.host),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("downloading") && resolve());
        child.on("exit", (code) => reject(new Error(`the puller exited early (${code})`)));
      });
      await proxy.held;
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    } finally {
      await proxy.close();
    }
    const root = path.join(stateDir, "images");
    // The dead process's partial download is there, but only under tmp/, never as a blob.
    expect(readdirSync(path.join(root, "tmp")).length).toBeGreaterThan(0);
    expect(readdirSync(path.join(root, "rootfs"))).toEqual([]);
    const store = freshStore({ stateDir });
    const image = await store.resolve(world.ref("big"));
    expect(readFileSync(path.join(image.rootfsDir as string, "big.bin")).length).toBe(4 << 20);
    expect(readdirSync(path.join(root, "tmp"))).toEqual([]);
  });

  it("fails unavailable when the registry dies mid-pull, with nothing half-written, and recovers", async () => {
    const proxy = await startCountingProxy(world.registry.host);
    proxy.holdBlobsAfter = 64 * 1024;
    const store = freshStore();
    const [, big] = await layersOf(world.registry.host, "test/big");
    const pull = store.resolve(world.ref("big", proxy.host));
    await proxy.held;
    await world.registry.stop();
    await proxy.close();
    await expect(pull).rejects.toMatchObject({ code: "unavailable", retryable: true });
    expectNothingHalfWritten(store, big as string);

    // The registry comes back (same storage, new port): the pull completes from where it can.
    const restarted = await startRegistry({ dataDir: world.registry.dataDir });
    const image = await store.resolve(world.ref("big", restarted.host));
    expect(readFileSync(path.join(image.rootfsDir as string, "big.bin")).length).toBe(4 << 20);
  });
});
