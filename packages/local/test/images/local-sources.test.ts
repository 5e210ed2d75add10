import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { tempStateDir } from "../helpers.js";
import { busyboxEntries, LayoutWriter, tarOf } from "./fixtures/oci-layout.js";
import { freshStore } from "./fixtures/setup.js";
import { type TestImages, writeTestImages } from "./fixtures/test-images.js";

const run = promisify(execFile);

let roots: string;
let images: TestImages;
beforeAll(async () => {
  roots = tempStateDir("ol-image-roots-");
  images = await writeTestImages(path.join(roots, "layout"), { outsideDir: "/nonexistent", marker: "unused" });
}, 60_000);

describe("host-path images under the operator's image roots", () => {
  it("resolves oci:<dir>:<tag> from a layout, re-reading it so a moved tag is seen", async () => {
    const store = freshStore({ imageRoots: [roots] });
    const base = await store.resolve(`oci:${roots}/layout:base`);
    expect(base).toMatchObject({ kind: "image", cached: false, reference: `oci:${roots}/layout:base` });
    expect(base.config.workdir).toBe("/root");
    expect((await store.resolve(`oci:${roots}/layout:base`)).cached).toBe(true);
    const multi = await store.resolve(`oci:${roots}/layout:multi`);
    expect(readFileSync(path.join(multi.rootfsDir as string, "etc/arch"), "utf8")).toBe("amd64\n");

    const moved = new LayoutWriter(path.join(roots, "moved"));
    moved.tag("v", await moved.image({ layers: [{ entries: [{ name: "one.txt", content: "1" }] }] }));
    const first = await store.resolve(`oci:${roots}/moved:v`);
    const again = new LayoutWriter(path.join(roots, "moved"));
    again.tag("v", await again.image({ layers: [{ entries: [{ name: "two.txt", content: "2" }] }] }));
    const second = await store.resolve(`oci:${roots}/moved:v`);
    expect(second.digest).not.toBe(first.digest);
    expect(existsSync(path.join(second.rootfsDir as string, "two.txt"))).toBe(true);
  });

  it("names the layout's tags for an unknown one, and wants a tag when it holds several images", async () => {
    const store = freshStore({ imageRoots: [roots] });
    await expect(store.resolve(`oci:${roots}/layout:nope`)).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/tags base, layered/),
    });
    await expect(store.resolve(`oci:${roots}/layout`)).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("name one with :<tag>"),
    });
  });

  it("resolves an oci-archive: written by skopeo, once per archive version", async () => {
    const archive = path.join(roots, "layered.tar");
    await run("skopeo", ["copy", "--quiet", `oci:${images.layout}:layered`, `oci-archive:${archive}:layered`], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir() },
    });
    const store = freshStore({ imageRoots: [roots] });
    const image = await store.resolve(`oci-archive:${archive}:layered`);
    expect(readFileSync(path.join(image.rootfsDir as string, "opaque/upper.txt"), "utf8")).toContain("only file");
    expect((await store.resolve(`oci-archive:${archive}:layered`)).cached).toBe(true);
    // The same image by layout and by archive is one rootfs.
    expect((await store.resolve(`oci:${roots}/layout:layered`)).rootfsDir).toBe(image.rootfsDir);
  });

  it("unpacks a tar: rootfs tarball with the same safety as layers, again when the file changes", async () => {
    const tarball = path.join(roots, "rootfs.tar.gz");
    writeFileSync(
      tarball,
      gzipSync(
        await tarOf([
          ...busyboxEntries(),
          { name: "dev/" },
          { name: "dev/null", type: "character-device" },
          { name: "bin/su", content: "#!/bin/sh\n", mode: 0o4755 },
        ]),
      ),
    );
    const store = freshStore({ imageRoots: [roots] });
    const image = await store.resolve(`tar:${tarball}`);
    const root = image.rootfsDir as string;
    expect(readFileSync(path.join(root, "bin/busybox")).equals(readFileSync("/bin/busybox"))).toBe(true);
    expect(existsSync(path.join(root, "dev/null"))).toBe(false);
    expect(statSync(path.join(root, "bin/su")).mode & 0o7777).toBe(0o755);
    expect((await store.resolve(`tar:${tarball}`)).cached).toBe(true);
    writeFileSync(tarball, await tarOf([{ name: "replaced.txt", content: "new\n" }]));
    const replaced = await store.resolve(`tar:${tarball}`);
    expect(replaced.digest).not.toBe(image.digest);
    expect(readFileSync(path.join(replaced.rootfsDir as string, "replaced.txt"), "utf8")).toBe("new\n");
  });

  it("serves dir: in place, and refuses host paths outside the roots (/, symlinks out, no roots at all)", async () => {
    const rootfs = path.join(roots, "plain-rootfs");
    mkdirSync(path.join(rootfs, "etc"), { recursive: true });
    symlinkSync("/", path.join(roots, "sneaky"));
    const store = freshStore({ imageRoots: [roots] });
    expect(await store.resolve(`dir:${rootfs}`)).toMatchObject({ kind: "dir", rootfsDir: rootfs, digest: undefined });
    const refused = { code: "invalid_argument", field: "runtime.image" };
    await expect(store.resolve("dir:/")).rejects.toMatchObject(refused);
    await expect(store.resolve(`dir:${roots}/sneaky`)).rejects.toMatchObject(refused);
    await expect(store.resolve(`tar:${roots}/sneaky/etc/passwd`)).rejects.toMatchObject(refused);
    await expect(store.resolve(`dir:${roots}/missing`)).rejects.toMatchObject({
      ...refused,
      message: /does not exist/,
    });
    await expect(freshStore().resolve(`dir:${rootfs}`)).rejects.toMatchObject({
      ...refused,
      message: expect.stringContaining("imageRoots"),
    });
    expect(() => freshStore({ imageRoots: ["/"] })).toThrow(expect.objectContaining({ field: "imageRoots" }));
  });
});
