import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PullProgress } from "../../src/images/index.js";
import { startCountingProxy } from "./fixtures/counting-proxy.js";
import { skopeoPush, startRegistry } from "./fixtures/registry.js";
import { freshStore, type ImageWorld, setUpImages } from "./fixtures/setup.js";

let world: ImageWorld;
beforeAll(async () => {
  world = await setUpImages(["base", "layered", "multi"]);
}, 60_000);

const read = (root: string | undefined, file: string) => readFileSync(path.join(root as string, file), "utf8");

describe("pulling from a real registry (docker-registry, pushed with skopeo)", () => {
  it("pulls a single-platform Docker schema 2 image: rootfs and config as pushed", async () => {
    const store = freshStore();
    const image = await store.resolve(world.ref("base"));
    expect(image.kind).toBe("image");
    expect(image.cached).toBe(false);
    expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(image.platform).toBe("linux/amd64");
    const busybox = path.join(image.rootfsDir as string, "bin/busybox");
    expect(readFileSync(busybox).equals(readFileSync("/bin/busybox"))).toBe(true);
    expect(statSync(busybox).mode & 0o777).toBe(0o755);
    expect(readlinkSync(path.join(image.rootfsDir as string, "bin/sh"))).toBe("busybox");
    expect(statSync(path.join(image.rootfsDir as string, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(statSync(path.join(image.rootfsDir as string, "root")).mode & 0o777).toBe(0o700);
    expect(image.config).toMatchObject({
      env: { PATH: "/bin", GREETING: "hello world", EMPTY: "" },
      cmd: ["/bin/sh", "-c", "echo hi"],
      entrypoint: ["/bin/busybox"],
      workdir: "/root",
      user: "0:0",
    });
    // The layer's mtime survives (tools such as Python compare source and bytecode times).
    expect(statSync(path.join(image.rootfsDir as string, "etc/passwd")).mtime.toISOString()).toBe(
      "2024-01-02T03:04:05.000Z",
    );

    const again = await store.resolve(world.ref("base"));
    expect(again).toMatchObject({ cached: true, digest: image.digest, rootfsDir: image.rootfsDir });
    expect(statSync(store.root).mode & 0o777).toBe(0o700);
    // Only the cache is private: the provider's state directory keeps its own mode.
    expect(statSync(path.dirname(store.root)).mode & 0o777).toBe(0o711);
  });

  it("applies whiteouts, an opaque directory, hardlinks and symlinks across a gzip and a zstd layer", async () => {
    const image = await freshStore().resolve(world.ref("layered"));
    const root = image.rootfsDir as string;
    expect(read(root, "data/keep.txt")).toBe("kept\n");
    expect(() => lstatSync(path.join(root, "data/remove-me.txt"))).toThrow(/ENOENT/);
    expect(() => lstatSync(path.join(root, "data/.wh.remove-me.txt"))).toThrow(/ENOENT/);
    expect(readdirSync(path.join(root, "opaque")).sort()).toEqual(["upper.txt"]);
    const original = statSync(path.join(root, "hard/original.txt"));
    const linked = statSync(path.join(root, "hard/link-to-lower.txt"));
    expect(linked.ino).toBe(original.ino);
    expect(original.nlink).toBe(2);
    expect(statSync(path.join(root, "hard/same-layer-link.txt")).ino).toBe(
      statSync(path.join(root, "hard/same-layer.txt")).ino,
    );
    expect(readlinkSync(path.join(root, "links/absolute"))).toBe("/etc/passwd");
    expect(readlinkSync(path.join(root, "links/relative"))).toBe("../data/keep.txt");
    // A later layer wrote into a 0555 directory; the directory keeps its mode.
    expect(read(root, "readonly/added.txt")).toContain("0555");
    expect(statSync(path.join(root, "readonly")).mode & 0o777).toBe(0o555);
  });

  it("picks the host's platform from a multi-platform index, and another when asked", async () => {
    const store = freshStore();
    const host = await store.resolve(world.ref("multi"));
    expect(host.platform).toBe("linux/amd64");
    expect(read(host.rootfsDir, "etc/arch")).toBe("amd64\n");
    const arm = await store.resolve(world.ref("multi"), { platform: { os: "linux", architecture: "arm64" } });
    expect(arm.platform).toBe("linux/arm64");
    expect(read(arm.rootfsDir, "etc/arch")).toBe("arm64\n");
    expect(arm.digest).not.toBe(host.digest);
    await expect(
      store.resolve(world.ref("multi"), { platform: { os: "linux", architecture: "riscv64" } }),
    ).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/linux\/riscv64.*linux\/amd64, linux\/arm64/),
    });
  });

  it("serves a cached tag by default, and follows a moved tag with pull: always", async () => {
    const moving = `${world.registry.host}/test/moving:1`;
    await skopeoPush(`oci:${world.images.layout}:base`, moving, { format: "oci" });
    const store = freshStore();
    const before = await store.resolve(moving);
    await skopeoPush(`oci:${world.images.layout}:layered`, moving, { format: "oci" });
    expect(await store.resolve(moving)).toMatchObject({ cached: true, digest: before.digest });
    const after = await store.resolve(moving, { pull: "always" });
    expect(after.digest).not.toBe(before.digest);
    expect(read(after.rootfsDir, "opaque/upper.txt")).toContain("only file");
    expect(await store.resolve(moving)).toMatchObject({ digest: after.digest });
  });

  it("fails not_found naming the reference for an unknown tag and an unknown repository", async () => {
    const store = freshStore();
    const tag = `${world.registry.host}/test/base:no-such-tag`;
    await expect(store.resolve(tag)).rejects.toMatchObject({
      code: "not_found",
      retryable: false,
      message: expect.stringContaining(tag),
      details: expect.objectContaining({ reference: tag }),
    });
    await expect(store.resolve(`${world.registry.host}/nobody/here:1`)).rejects.toMatchObject({ code: "not_found" });
  });

  it("shares one pull between two concurrent resolves: every blob is downloaded once", async () => {
    const proxy = await startCountingProxy(world.registry.host);
    try {
      const store = freshStore();
      const progress: [PullProgress[], PullProgress[]] = [[], []];
      const [first, second] = await Promise.all(
        progress.map((events) =>
          store.resolve(world.ref("layered", proxy.host), { onProgress: (event) => events.push(event) }),
        ),
      );
      expect(second?.rootfsDir).toBe(first?.rootfsDir);
      expect(proxy.blobGets.size).toBe(4); // three layers and the config
      expect([...proxy.blobGets.values()]).toEqual([1, 1, 1, 1]);
      for (const events of progress) {
        expect(events.length).toBeGreaterThan(0);
        const last = new Map(events.map((event) => [event.layer, event]));
        expect(last.size).toBe(3);
        for (const event of last.values()) expect(event.bytes).toBe(event.total);
      }
    } finally {
      await proxy.close();
    }
  });

  it("pulls through a mirror first, and from the registry when the mirror lacks the image", async () => {
    const mirror = await startCountingProxy(world.registry.host);
    // Nothing listens on the discard port: the registry itself is down, the mirror serves.
    const down = "127.0.0.1:9";
    try {
      const image = await freshStore({ mirrors: { [down]: [mirror.host] } }).resolve(`${down}/test/base:1`);
      expect(image).toMatchObject({ kind: "image", reference: `${down}/test/base:1` });
      expect(mirror.manifestGets.length).toBeGreaterThan(0);
    } finally {
      await mirror.close();
    }
    const upstream = await startCountingProxy(world.registry.host);
    const empty = await startRegistry();
    try {
      const image = await freshStore({ mirrors: { [upstream.host]: [empty.host] } }).resolve(
        world.ref("layered", upstream.host),
      );
      expect(image.kind).toBe("image");
      expect(upstream.blobGets.size).toBe(4);
    } finally {
      await upstream.close();
      await empty.stop();
    }
  });

  it("stores a layer once for every image that has it", async () => {
    const store = freshStore();
    await store.resolve(world.ref("base"));
    await store.resolve(world.ref("layered"));
    // base: manifest, config, busybox layer; layered: manifest, config, two more layers, and
    // the busybox layer it shares with base (stored once: 7 blobs, not 8).
    expect(readdirSync(path.join(store.root, "blobs/sha256")).length).toBe(7);
  });

  it("serves pulled tags from the cache after a restart with the registry gone", async () => {
    const proxy = await startCountingProxy(world.registry.host);
    const first = freshStore();
    const pulled = await first.resolve(world.ref("base", proxy.host));
    await proxy.close();
    for (const pull of ["missing", "always"] as const) {
      const restarted = freshStore({ stateDir: path.dirname(first.root), pull });
      const image = await restarted.resolve(world.ref("base", proxy.host));
      expect(image).toMatchObject({ cached: true, digest: pulled.digest, rootfsDir: pulled.rootfsDir });
    }
    const restarted = freshStore({ stateDir: path.dirname(first.root) });
    await expect(restarted.resolve(world.ref("layered", proxy.host))).rejects.toMatchObject({
      code: "unavailable",
      retryable: true,
      message: expect.stringContaining(proxy.host),
    });
    await expect(restarted.resolve(world.ref("layered", proxy.host), { pull: "never" })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("prunes all but the most recently used images, keeping the blobs they still need", async () => {
    const store = freshStore();
    const base = await store.resolve(world.ref("base"));
    const layered = await store.resolve(world.ref("layered"));
    const multi = await store.resolve(world.ref("multi"));
    await store.resolve(world.ref("base"));
    const result = await store.prune({ keepLast: 1, keep: [multi.digest as string] });
    expect([...result.removed]).toEqual([layered.digest]);
    expect(result.removedBlobs).toBe(4); // layered's manifest, config and two own layers (busybox's is base's too)
    expect((await store.list()).map((image) => image.digest).sort()).toEqual([base.digest, multi.digest].sort());
    expect(() => statSync(layered.rootfsDir as string)).toThrow(/ENOENT/);
    expect(statSync(path.join(base.rootfsDir as string, "bin/busybox")).isFile()).toBe(true);
    // The pruned image pulls again; the kept ones are still served from the cache.
    expect((await store.resolve(world.ref("layered"))).cached).toBe(false);
    expect((await store.resolve(world.ref("base"))).cached).toBe(true);
    const none = await store.prune({ keepLast: 0 });
    expect(none.removed.length).toBe(3);
    expect(readdirSync(path.join(store.root, "blobs/sha256"))).toEqual([]);
    await expect(store.prune({ keepLast: -1 })).rejects.toMatchObject({ code: "invalid_argument" });
  });
});
