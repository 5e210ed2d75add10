/**
 * Registry images on the local provider, end to end: pulled from a real registry
 * (docker-registry, pushed with skopeo), run through bubblewrap with an overlay root per sandbox.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hasErrorCode } from "@openlattice/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageStore } from "../../src/images/index.js";
import type { ImageProgressEvent } from "../../src/images/provider/provider-images.js";
import { imageProgressPrinter, LocalProvider, type LocalProviderOptions } from "../../src/index.js";
import { SKIP_REASON, skipNamespace, tempStateDir } from "../helpers.js";
import { type Registry, skopeoPush, startRegistry } from "./fixtures/registry.js";
import { type ImageWorld, setUpImages } from "./fixtures/setup.js";

let world: ImageWorld;
beforeAll(async () => {
  if (!skipNamespace) world = await setUpImages(["base"]);
}, 60_000);

const providers: LocalProvider[] = [];
afterAll(async () => {
  await Promise.all(providers.map((provider) => provider.close()));
});

function provider(options: LocalProviderOptions = {}): LocalProvider {
  const made = new LocalProvider({
    isolation: "namespace",
    stateDir: tempStateDir(),
    images: { credentials: async () => undefined },
    ...options,
  });
  providers.push(made);
  return made;
}

/** Names in the provider's work root (`<stateDir>/work`, or the traversable one in tmp as root). */
function layerDirs(stateDir: string): string[] {
  const own = path.join(stateDir, "work");
  if (existsSync(own)) return readdirSync(own);
  const base = path.join(os.tmpdir(), `openlattice-local-${process.getuid?.()}`);
  return readdirSync(base).flatMap((key) => readdirSync(path.join(base, key)));
}

const sh = async (p: LocalProvider, id: string, script: string) => p.exec(id, ["/bin/sh", "-c", script]);

describe.skipIf(skipNamespace)(`registry images on the local provider${SKIP_REASON}`, () => {
  it("runs the image with its config: env, workdir, user root, files as the image has them", async () => {
    const events: ImageProgressEvent[] = [];
    const lines: string[] = [];
    const print = imageProgressPrinter((line) => lines.push(line));
    const p = provider({
      onImageProgress: (event) => {
        events.push(event);
        print(event);
      },
    });
    const ref = world.ref("base");
    const { externalId } = await p.provision({ runtime: { image: ref, env: { EXTRA: "spec" } } });
    const result = await sh(
      p,
      externalId,
      'pwd; id -u; echo "$GREETING/$EXTRA/$HOME/$PATH"; stat -c %u:%g /etc/passwd',
    );
    expect(result.stdout).toBe("/root\n0\nhello world/spec//root//bin\n0:0\n");
    // Progress: bytes of every layer as it arrived, named by the image asked for.
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.image === ref)).toBe(true);
    expect(events.some((event) => event.bytes > 0 && !event.cached)).toBe(true);
    // What the CLI tools print: a line per layer as it completes, never one per chunk.
    expect(lines.length).toBeLessThanOrEqual(events.length);
    expect(lines.some((line) => line.startsWith(`pulling ${ref}: sha256:`) && / MiB done$/.test(line))).toBe(true);
    expect((await p.inspect(externalId)).image).toBe(ref);
    expect(p.capabilities.constraints.imageKinds.join(" ")).toMatch(/registry.*oci:.*oci-archive:.*dir:.*tar:/);
  });

  it("gives every sandbox a writable root of its own over one shared, unchanged rootfs", async () => {
    const stateDir = tempStateDir();
    const p = provider({ stateDir });
    const image = world.ref("base");
    const first = await p.provision({ runtime: { image } });
    const second = await p.provision({ runtime: { image } });
    const wrote = await sh(
      p,
      first.externalId,
      "echo mine > /etc/motd && echo more >> /etc/passwd && busybox rm /bin/ls && busybox mkdir -p /usr/local/lib && echo pkg > /usr/local/lib/pkg && echo ok",
    );
    expect(wrote).toMatchObject({ exitCode: 0, stdout: "ok\n" });
    expect(
      (await sh(p, first.externalId, "cat /etc/motd /usr/local/lib/pkg; test -e /bin/ls || echo gone")).stdout,
    ).toBe("mine\npkg\ngone\n");
    const other = await sh(
      p,
      second.externalId,
      "cat /etc/motd 2>&1; test -e /bin/ls && echo present; cat /etc/passwd",
    );
    expect(other.stdout).toMatch(/No such file[\s\S]*present\nroot:x:0:0/);
    expect(other.stdout).not.toContain("more");
    // The shared rootfs itself never changed.
    const [cached] = await new ImageStore({ stateDir }).list();
    const rootfs = cached?.rootfsDir as string;
    expect(existsSync(path.join(rootfs, "etc/motd"))).toBe(false);
    expect(existsSync(path.join(rootfs, "bin/ls"))).toBe(true);
    expect(readFileSync(path.join(rootfs, "etc/passwd"), "utf8")).not.toContain("more");
    // The workspace is still the snapshotted, file-extension directory.
    await p.getExtension(first.externalId, "files")?.write("/workspace/a.txt", "A");
    expect((await sh(p, first.externalId, "cat /workspace/a.txt")).stdout).toBe("A");
    // Destroying a sandbox removes its writable layer.
    const layers = () => layerDirs(stateDir).filter((name) => name === `${first.externalId}.root`);
    expect(layers()).toEqual([`${first.externalId}.root`]);
    await p.destroy(first.externalId);
    expect(layers()).toEqual([]);
  });

  it("serves a cached image with the registry gone, and types what cannot be served", async () => {
    const registry: Registry = await startRegistry();
    const image = `${registry.host}/test/base:1`;
    await skopeoPush(`oci:${world.images.layout}:base`, image, { format: "oci" });
    const stateDir = tempStateDir();
    const events: ImageProgressEvent[] = [];
    const first = provider({ stateDir });
    await first.provision({ runtime: { image } });
    const missing = await first.provision({ runtime: { image: `${registry.host}/test/base:nope` } }).catch((e) => e);
    expect(hasErrorCode(missing, "not_found")).toBe(true);
    expect((missing as Error).message).toContain("test/base:nope");
    await first.close();
    await registry.stop();
    // A new provider on the same state directory, offline: the cache serves, nothing downloads.
    const offline = provider({ stateDir, onImageProgress: (event) => events.push(event) });
    const { externalId } = await offline.provision({ runtime: { image } });
    expect((await sh(offline, externalId, "echo $GREETING")).stdout).toBe("hello world\n");
    expect(events.filter((event) => !event.cached && event.bytes > 0)).toEqual([]);
    const unknown = await offline.provision({ runtime: { image: `${registry.host}/test/other:1` } }).catch((e) => e);
    expect(hasErrorCode(unknown, "unavailable")).toBe(true);
    expect((unknown as { retryable?: boolean }).retryable).toBe(true);
  });

  it("pruneImages keeps the images of live sandboxes and removes the rest", async () => {
    const stateDir = tempStateDir();
    const p = provider({ stateDir });
    const { externalId } = await p.provision({ runtime: { image: world.ref("base") } });
    expect((await p.pruneImages({ keepLast: 0 })).removed).toEqual([]);
    expect(await new ImageStore({ stateDir }).list()).toHaveLength(1);
    await p.destroy(externalId);
    const pruned = await p.pruneImages({ keepLast: 0 });
    expect(pruned.removed).toHaveLength(1);
    expect(pruned.removedBlobs).toBeGreaterThan(0);
    expect(await new ImageStore({ stateDir }).list()).toEqual([]);
    await expect(p.pruneImages({ keepLast: -1 })).rejects.toMatchObject({ code: "invalid_argument" });
  });
});
