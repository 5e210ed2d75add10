/**
 * Images are the operator's choice, not the caller's (#13): host-path images only under
 * `imageRoots`, tarballs unpacked unprivileged without setuid bits or device nodes, and nothing
 * left behind by a failed extraction.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hasErrorCode } from "@openlattice/core";
import { afterAll, describe, expect, it } from "vitest";
import { LocalProvider } from "../../src/index.js";
import { SKIP_REASON, skipNamespace, tempStateDir } from "../helpers.js";
import { busyboxEntries, tarOf } from "./fixtures/oci-layout.js";

const providers: LocalProvider[] = [];
afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.close()));
});

function provider(imageRoots: string[], stateDir = tempStateDir()): LocalProvider {
  const made = new LocalProvider({ isolation: "namespace", stateDir, imageRoots });
  providers.push(made);
  return made;
}

describe("image roots are the operator's", () => {
  it("refuses an image root of / when the provider is made", () => {
    let error: unknown;
    try {
      new LocalProvider({ isolation: "none", stateDir: tempStateDir(), imageRoots: ["/"] });
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "invalid_argument")).toBe(true);
    expect((error as { field?: string }).field).toBe("imageRoots");
  });
});

describe.skipIf(skipNamespace)(`host-path images on the local provider${SKIP_REASON}`, () => {
  it("refuses dir:/ and dir: or tar: outside the roots, typed, naming runtime.image", async () => {
    const roots = tempStateDir("ol-roots-");
    const outside = tempStateDir("ol-outside-");
    writeFileSync(path.join(outside, "rootfs.tar"), await tarOf(busyboxEntries()));
    mkdirSync(path.join(outside, "rootfs"));
    const p = provider([roots]);
    const none = provider([]);
    for (const [who, image] of [
      [p, "dir:/"],
      [p, "dir:/etc"],
      [p, `dir:${outside}/rootfs`],
      [p, `tar:${outside}/rootfs.tar`],
      [p, `dir:${roots}/../${path.basename(outside)}/rootfs`],
      [none, `tar:${outside}/rootfs.tar`],
    ] as const) {
      const error = await who.provision({ runtime: { image } }).catch((e: unknown) => e);
      expect(hasErrorCode(error, "invalid_argument"), image).toBe(true);
      expect((error as { field?: string }).field).toBe("runtime.image");
      expect((error as Error).message).toMatch(/image root/);
    }
  });

  it("unpacks a tarball without setuid/setgid bits or device nodes, and runs it", async () => {
    const roots = tempStateDir("ol-roots-");
    const tarball = path.join(roots, "hostile.tar");
    writeFileSync(
      tarball,
      await tarOf([
        ...busyboxEntries(),
        { name: "bin/suid", content: "#!/bin/sh\n", mode: 0o6755 },
        { name: "dev-null", type: "character-device", mode: 0o666 },
        { name: "disk", type: "block-device", mode: 0o660 },
      ]),
    );
    const p = provider([roots]);
    const { externalId } = await p.provision({ runtime: { image: `tar:${tarball}` } });
    const result = await p.exec(externalId, [
      "/bin/sh",
      "-c",
      "stat -c %a /bin/suid; test -e /dev-null || echo no-char; test -e /disk || echo no-block",
    ]);
    expect(result.stdout).toBe("755\nno-char\nno-block\n");
  });

  it("a tarball that cannot be unpacked fails typed and leaves nothing behind", async () => {
    const roots = tempStateDir("ol-roots-");
    const stateDir = tempStateDir();
    const tarball = path.join(roots, "broken.tar");
    // A valid start, then garbage: extraction begins and must be undone.
    const good = await tarOf(busyboxEntries());
    writeFileSync(tarball, Buffer.concat([good.subarray(0, 4096), Buffer.alloc(4096, 0x41)]));
    const p = provider([roots], stateDir);
    const error = await p.provision({ runtime: { image: `tar:${tarball}` } }).catch((e: unknown) => e);
    expect(hasErrorCode(error, "internal") || hasErrorCode(error, "invalid_argument")).toBe(true);
    expect((error as Error).message).toContain("broken.tar");
    const images = path.join(stateDir, "images");
    expect(readdirSync(path.join(images, "rootfs"))).toEqual([]);
    expect(readdirSync(path.join(images, "tmp"))).toEqual([]);
    expect((await p.list()).length).toBe(0);
  });
});
