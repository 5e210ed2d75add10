import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { assertProvider, hasErrorCode, parseProvisionSpec } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { buildCapabilities, checkEnforceable } from "../src/capabilities.js";
import { LocalProvider, probeIsolation } from "../src/index.js";
import { lazyProvider, namespaceAvailable, SKIP_REASON, skipNamespace, tempStateDir } from "./helpers.js";

/** A minimal rootfs: dash, cat and their shared libraries, plus one file that only this image has. */
function buildRootfs(): string {
  const root = path.join(tempStateDir("ol-rootfs-"), "rootfs");
  const programs = ["/bin/sh", "/bin/cat", "/bin/sleep"].map((p) =>
    execFileSync("readlink", ["-f", p]).toString().trim(),
  );
  const libraries = new Set<string>();
  for (const program of programs) {
    const ldd = execFileSync("ldd", [program]).toString();
    for (const match of ldd.matchAll(/(\/[^\s]+) \(0x/g)) libraries.add(match[1] as string);
  }
  for (const file of [...libraries]) {
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    copyFileSync(file, path.join(root, file));
  }
  mkdirSync(path.join(root, "bin"), { recursive: true });
  copyFileSync(programs[0] as string, path.join(root, "bin/sh"));
  copyFileSync(programs[1] as string, path.join(root, "bin/cat"));
  copyFileSync(programs[2] as string, path.join(root, "bin/sleep"));
  execFileSync("chmod", ["-R", "a+rX", root]);
  writeFileSync(path.join(root, "image-marker"), "from the image\n");
  return root;
}

describe("LocalProvider", () => {
  it("implements Provider spec v1 and reports honest capabilities", () => {
    const provider = new LocalProvider({ isolation: "none", stateDir: tempStateDir() });
    assertProvider(provider);
    expect(provider.name).toBe("local");
    expect(provider.capabilities.isolation).toBe("none");
    expect(provider.capabilities.egress).toEqual(["all"]);
    expect(provider.capabilities.limitations?.isolation).toMatch(/none/);
    expect(provider.capabilities.constraints.imageKinds).toEqual(["host"]);
    expect(Object.isFrozen(provider.capabilities)).toBe(true);
  });

  it("auto picks the namespace tier exactly when the probe succeeds", () => {
    const provider = new LocalProvider({ stateDir: tempStateDir() });
    const probe = probeIsolation();
    expect(provider.tier).toBe(probe.namespace.available ? "namespace" : "none");
    if (!probe.namespace.available)
      expect(provider.capabilities.limitations?.isolation).toContain(probe.namespace.reason);
  });

  it("rejects an unknown isolation value", () => {
    expect(() => new LocalProvider({ isolation: "vm" as never, stateDir: tempStateDir() })).toThrow(/isolation/);
  });

  it("healthCheck reports the tier and what is missing, and never throws", async () => {
    const provider = new LocalProvider({ stateDir: tempStateDir() });
    const report = await provider.healthCheck();
    expect(report.healthy).toBe(true);
    expect(report.details).toMatchObject({ tier: provider.tier });
    expect(report.message).toContain(`tier ${provider.tier}`);
    if (probeIsolation().gpuDevices.length === 0) expect(report.message).toMatch(/nvidia/);
  });

  it("getExtension returns undefined for unknown names, unknown sandboxes and unlisted extensions", async () => {
    const provider = new LocalProvider({ isolation: "none", stateDir: tempStateDir() });
    const { externalId } = await provider.provision({});
    try {
      expect(provider.getExtension(externalId, "files")).toBeDefined();
      expect(provider.getExtension(externalId, "teleport")).toBeUndefined();
      expect(provider.getExtension("sbx-missing", "files")).toBeUndefined();
      for (const name of ["files", "network", "metrics", "lifecycle"] as const) {
        const listed = provider.capabilities.extensions.includes(name);
        expect(provider.getExtension(externalId, name) !== undefined).toBe(listed);
      }
    } finally {
      await provider.destroy(externalId);
    }
  });

  it("a registry image fails with unsupported and says what works", async () => {
    const provider = new LocalProvider({ isolation: "none", stateDir: tempStateDir() });
    const error = await provider.provision({ runtime: { image: "python:3.12" } }).catch((e: unknown) => e);
    expect(hasErrorCode(error, "unsupported")).toBe(true);
    expect((error as Error).message).toMatch(/host.*dir:.*tar:/);
  });

  it("a GPU spec fails with unsupported naming the missing devices when there are none", async () => {
    const provider = new LocalProvider({ isolation: "none", stateDir: tempStateDir() });
    if (probeIsolation().gpuDevices.length > 0) {
      expect(provider.capabilities.gpu).toBe(true);
      return;
    }
    const error = await provider.provision({ gpu: { count: 1 } }).catch((e: unknown) => e);
    expect(hasErrorCode(error, "unsupported")).toBe(true);
    expect((error as Error).message).toMatch(/\/dev\/nvidia/);
  });

  it("the none tier refuses what it cannot honour: blocked egress and rootfs images", async () => {
    const provider = new LocalProvider({ isolation: "none", stateDir: tempStateDir() });
    await expect(provider.provision({ network: { egress: "none" } })).rejects.toMatchObject({ code: "unsupported" });
    await expect(provider.provision({ runtime: { image: "dir:/" } })).rejects.toMatchObject({ code: "unsupported" });
    await expect(provider.provision({ resources: { memoryMiB: 1 } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });

  it("asking for the namespace tier gets it where the probe succeeds, else throws unsupported", () => {
    const make = () => new LocalProvider({ isolation: "namespace", stateDir: tempStateDir() });
    if (namespaceAvailable) expect(make().tier).toBe("namespace");
    else expect(make).toThrow(/namespace tier is unavailable/);
  });
});

describe.skipIf(skipNamespace)(`images and workdirs (namespace tier)${SKIP_REASON}`, () => {
  const provider = lazyProvider("namespace");

  it("dir: runs a rootfs directory read-only", async () => {
    const root = buildRootfs();
    const p = provider();
    const { externalId } = await p.provision({ runtime: { image: `dir:${root}` } });
    const result = await p.exec(externalId, [
      "/bin/sh",
      "-c",
      "cat /image-marker; test -e /usr/bin/node; echo $?; echo x > /image-marker",
    ]);
    expect(result.stdout).toBe("from the image\n1\n");
    expect(result.stderr).toMatch(/Read-only|Permission denied/);
  });

  it("tar: extracts a rootfs tarball once and runs it", async () => {
    const root = buildRootfs();
    const tarball = path.join(path.dirname(root), "rootfs.tar");
    execFileSync("tar", ["-cf", tarball, "-C", root, "."]);
    const p = provider();
    const first = await p.provision({ runtime: { image: `tar:${tarball}` } });
    const second = await p.provision({ runtime: { image: `tar:${tarball}` } });
    for (const node of [first, second]) {
      expect((await p.exec(node.externalId, ["/bin/cat", "/image-marker"])).stdout).toBe("from the image\n");
    }
    await expect(p.provision({ runtime: { image: "dir:relative/path" } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });

  it("mounts the workspace at a custom workdir; workdirs in the image or /tmp work too", async () => {
    const p = provider();
    const { externalId } = await p.provision({ runtime: { image: "host", workdir: "/app/src" } });
    const result = await p.exec(externalId, ["sh", "-c", "pwd; echo hi > f; cat /app/src/f"]);
    expect(result.stdout).toBe("/app/src\nhi\n");
    expect(await p.getExtension(externalId, "files")?.readText("/app/src/f")).toBe("hi\n");
    // A workdir inside the image is used as it is: read-only, with the workspace at /workspace.
    const inImage = await p.provision({ runtime: { image: "host", workdir: "/" } });
    const root = await p.exec(inImage.externalId, [
      "sh",
      "-c",
      "pwd; touch x 2>/dev/null || echo read-only; ls -d /workspace",
    ]);
    expect(root.stdout).toBe("/\nread-only\n/workspace\n");
    const inTmp = await p.provision({ runtime: { image: "host", workdir: "/tmp/job" } });
    expect((await p.exec(inTmp.externalId, ["sh", "-c", "pwd && touch f && ls"])).stdout).toBe("/tmp/job\nf\n");
  });
});

describe("limits the host cannot enforce", () => {
  const bare = {
    ...probeIsolation(),
    cgroups: { unifiedKill: false, unifiedFreeze: false, unifiedControllers: new Set<string>(), v1: {} },
  };

  it("are refused with unsupported, naming the field, and stated in the capabilities", () => {
    const capabilities = buildCapabilities("namespace", bare);
    expect(capabilities.limitations?.resources).toMatch(/memory, pids, cpu/);
    expect(capabilities.pause).toBe(false);
    for (const [resources, field] of [
      [{ memoryMiB: 64 }, "resources.memoryMiB"],
      [{ cpu: 1 }, "resources.cpu"],
    ] as const) {
      const spec = parseProvisionSpec({ resources }, "local");
      const error = (() => {
        try {
          checkEnforceable(spec, bare, "local");
        } catch (caught) {
          return caught;
        }
      })();
      expect(hasErrorCode(error, "unsupported")).toBe(true);
      expect((error as { feature: string }).feature).toBe(field);
    }
    // A spec without limits is fine.
    expect(() => checkEnforceable(parseProvisionSpec({}, "local"), bare, "local")).not.toThrow();
  });

  it.skipIf(probeIsolation().root)(
    `unprivileged, a real provision asking for memory is refused${probeIsolation().root ? " (skipped: running as root, cgroups are writable)" : ""}`,
    async () => {
      const provider = new LocalProvider({ isolation: "none", stateDir: tempStateDir() });
      const cgroups = probeIsolation().cgroups;
      if (cgroups.v1.memory || cgroups.unifiedControllers.has("memory")) return;
      await expect(provider.provision({ resources: { memoryMiB: 64 } })).rejects.toMatchObject({ code: "unsupported" });
    },
  );
});

describe("state at rest", () => {
  it("the state directory and the snapshot store are owner-only", async () => {
    const stateDir = tempStateDir();
    const provider = new LocalProvider({ isolation: "none", stateDir });
    const { externalId } = await provider.provision({});
    await provider.getExtension(externalId, "files")?.write("f.txt", "x");
    await provider.snapshot(externalId);
    for (const dir of [stateDir, path.join(stateDir, "sandboxes"), path.join(stateDir, "snapshots", "manifests")]) {
      expect((statSync(dir).mode & 0o777).toString(8), dir).toBe("700");
    }
    await provider.destroyAll();
  });
});
