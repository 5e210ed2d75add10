import { spawn } from "node:child_process";
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildRootfs } from "../../src/images/rootfs-builder.js";
import { tempStateDir } from "../helpers.js";
import { LayoutWriter, tarOf } from "./fixtures/oci-layout.js";
import { freshStore, type ImageWorld, setUpImages } from "./fixtures/setup.js";

let world: ImageWorld;
beforeAll(async () => {
  world = await setUpImages(["hostile", "layered"]);
}, 60_000);

const here = path.dirname(fileURLToPath(import.meta.url));

const isRoot = process.getuid?.() === 0;

describe("a hostile image cannot reach the host", () => {
  it("keeps ../ paths, absolute paths and symlink tricks inside the rootfs", async () => {
    const image = await freshStore().resolve(world.ref("hostile"));
    const root = image.rootfsDir as string;
    const { outsideDir, marker } = world;
    // Nothing landed on the host…
    expect(readdirSync(outsideDir)).toEqual([]);
    expect(existsSync(`/tmp/${marker}-dotdot`)).toBe(false);
    expect(existsSync(`/abs-${marker}`)).toBe(false);
    // …everything landed where the same path resolves with the rootfs as `/`.
    expect(readFileSync(path.join(root, `tmp/${marker}-dotdot`), "utf8")).toBe("dot-dot\n");
    expect(readFileSync(path.join(root, `abs-${marker}`), "utf8")).toBe("absolute\n");
    expect(readFileSync(path.join(root, outsideDir, "through-symlink.txt"), "utf8")).toBe("through a symlink\n");
    expect(readFileSync(path.join(root, outsideDir, "through-dotdot-link.txt"), "utf8")).toContain("../ symlink");
    expect(readFileSync(path.join(root, outsideDir, "second-layer.txt"), "utf8")).toContain("later layer");
    // The symlinks themselves stay as written (they only ever resolve inside a sandbox).
    expect(lstatSync(path.join(root, "escape")).isSymbolicLink()).toBe(true);
    // A hardlink to ../../../../etc/passwd links the image's own file, not the host's.
    expect(statSync(path.join(root, "hl-passwd")).ino).toBe(statSync(path.join(root, "etc/passwd")).ino);
    expect(statSync(path.join(root, "hl-passwd")).ino).not.toBe(statSync("/etc/passwd").ino);
  });

  it("drops device nodes and FIFOs, clears setuid/setgid bits and ignores the tar's owners", async () => {
    const image = await freshStore().resolve(world.ref("hostile"));
    const root = image.rootfsDir as string;
    expect(existsSync(path.join(root, "dev/evil-null"))).toBe(false);
    expect(existsSync(path.join(root, "dev/evil-disk"))).toBe(false);
    expect(existsSync(path.join(root, "evil-fifo"))).toBe(false);
    expect(statSync(path.join(root, "bin/suid")).mode & 0o7777).toBe(0o755);
    expect(statSync(path.join(root, "bin/sgid")).mode & 0o7777).toBe(0o755);
    expect(statSync(path.join(root, "sgid-dir")).mode & 0o7777).toBe(0o775);
    const owned = statSync(path.join(root, "owned-by-1234"));
    expect([owned.uid, owned.gid]).toEqual([process.getuid?.(), process.getgid?.()]);
    // Nothing in the whole tree is owned by anyone but this process's user.
    const owners = new Set<number>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        owners.add(lstatSync(full).uid);
        if (entry.isDirectory()) walk(full);
      }
    };
    walk(root);
    expect([...owners]).toEqual([process.getuid?.()]);
  });

  it("fails internal on a hardlink that points outside the image, and removes the partial rootfs", async () => {
    const roots = tempStateDir("ol-roots-");
    const writer = new LayoutWriter(path.join(roots, "layout"));
    const manifest = await writer.image({
      layers: [
        { entries: [{ name: "ok.txt", content: "fine\n" }] },
        { entries: [{ name: "steal", type: "link", linkname: "../../../../../etc/shadow" }] },
      ],
    });
    writer.tag("v1", manifest);
    const store = freshStore({ imageRoots: [roots] });
    await expect(store.resolve(`oci:${roots}/layout:v1`)).rejects.toMatchObject({
      code: "internal",
      message: expect.stringMatching(/hardlink steal points to .*etc\/shadow, which is missing/),
    });
    expect(readdirSync(path.join(store.root, "rootfs"))).toEqual([]);
    expect(readdirSync(path.join(store.root, "tmp"))).toEqual([]);
  });

  it.skipIf(!isRoot)(
    "as root (skipped otherwise), extracts as an unprivileged uid, then hands the tree to root",
    async () => {
      const dir = tempStateDir("ol-build-");
      const layer = path.join(dir, "layer.tar");
      writeFileSync(layer, await tarOf([{ name: "a/b.txt", content: "x" }]));
      const staging = path.join(dir, "private", "rootfs");
      // The worker can reach the staging directory only as its cwd: its parent is root's 0700.
      mkdirSync(path.dirname(staging), { mode: 0o700 });
      const stats = await buildRootfs({
        staging,
        layers: [{ path: layer, digest: "sha256:test" }],
        limits: { maxBytes: 1 << 20, maxEntries: 100 },
        reference: "test",
        extractUid: 65534,
      });
      expect(stats.extractedBy).toBe(65534);
      expect(statSync(path.join(staging, "a/b.txt")).uid).toBe(0);
    },
  );

  it.skipIf(!isRoot)(
    "as an unprivileged user (started from root; skipped otherwise), pulls, unpacks and prunes",
    async () => {
      const stateDir = tempStateDir("ol-images-rootless-");
      chownSync(stateDir, 65534, 65534);
      const tsx = createRequire(path.resolve(here, "../../../../benchmarks/package.json")).resolve("tsx/esm");
      const child = spawn(
        process.execPath,
        [
          "--conditions=@openlattice/source",
          "--import",
          tsx,
          path.join(here, "fixtures/unprivileged-pull.ts"),
          stateDir,
          world.ref("layered"),
        ],
        {
          cwd: stateDir,
          uid: 65534,
          gid: 65534,
          env: { PATH: process.env.PATH, HOME: stateDir },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString();
      });
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code, err).toBe(0);
      expect(JSON.parse(out)).toEqual({
        uid: 65534,
        busyboxOwner: 65534,
        readonlyMode: 0o555,
        upper: ["upper.txt"],
        pruned: 1,
        left: [],
      });
    },
  );

  it("refuses a layer over maxLayerBytes before downloading it", async () => {
    const roots = tempStateDir("ol-roots-");
    const writer = new LayoutWriter(path.join(roots, "layout"));
    writer.tag("v1", await writer.image({ layers: [{ entries: [{ name: "f", content: Buffer.alloc(4096, 1) }] }] }));
    const store = freshStore({ imageRoots: [roots], maxLayerBytes: 16 });
    await expect(store.resolve(`oci:${roots}/layout:v1`)).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("maxLayerBytes"),
    });
    expect(readdirSync(path.join(store.root, "blobs/sha256")).length).toBe(2); // the manifest and the config only
  });

  it("refuses an image that unpacks past maxImageBytes", async () => {
    const roots = tempStateDir("ol-roots-");
    const writer = new LayoutWriter(path.join(roots, "layout"));
    writer.tag(
      "v1",
      await writer.image({ layers: [{ entries: [{ name: "zeros", content: Buffer.alloc(1 << 20) }] }] }),
    );
    const store = freshStore({ imageRoots: [roots], maxImageBytes: 1 << 16 });
    await expect(store.resolve(`oci:${roots}/layout:v1`)).rejects.toMatchObject({
      code: "internal",
      message: expect.stringContaining("more than 65536 bytes"),
    });
    expect(readdirSync(path.join(store.root, "tmp"))).toEqual([]);
  });
});
