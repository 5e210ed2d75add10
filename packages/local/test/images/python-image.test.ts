/**
 * `pip install` into a registry image's own root, as on Modal: a python3 image built from the
 * host's Debian files (fixtures/python-image.ts), pulled from a real registry, and a wheel built
 * on the host with pip. Each sandbox writes into its own overlay layer; the image's cached tree
 * (`<stateDir>/images/rootfs/<digest hex>/`, shared read-only by every sandbox) never changes.
 */
import { lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageStore } from "../../src/images/index.js";
import { LocalProvider } from "../../src/index.js";
import { SKIP_REASON, skipNamespace, tempStateDir } from "../helpers.js";
import { buildWheel, hostPython, registryWithPython, WHEEL } from "./fixtures/python-image.js";
import { stopAllRegistries } from "./fixtures/registry.js";

const python = hostPython();
// Only a developer machine without Debian's python3-pip skips; in CI a missing tool fails.
const skipPython = python.missing.length > 0 && !process.env.CI;
const skip = skipNamespace || skipPython;
const reason = skipNamespace
  ? SKIP_REASON
  : skipPython
    ? ` (skipped: this machine lacks ${python.missing.join(", ")})`
    : "";

const stateDir = skip ? "" : tempStateDir("ol-python-image-");
let provider: LocalProvider;
let image: string;
let wheel: Uint8Array;

beforeAll(async () => {
  if (skip) return;
  [{ image }, wheel] = await Promise.all([registryWithPython(python), buildWheel(python)]);
  provider = new LocalProvider({ isolation: "namespace", stateDir, images: { credentials: async () => undefined } });
}, 60_000);

afterAll(async () => {
  await provider?.destroyAll();
  await provider?.close();
  await stopAllRegistries();
});

const sh = (id: string, script: string) => provider.exec(id, ["/bin/sh", "-c", script]);

/** Every path of `root` with its type, mode, owner, size and mtime, sorted: any write shows. */
function treeState(root: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const at = path.join(dir, name);
      const s = lstatSync(at);
      lines.push(`${path.relative(root, at)} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) walk(at);
    }
  };
  walk(root);
  return lines;
}

describe.skipIf(skip)(`pip install in a python3 registry image${reason}`, () => {
  const purelib = `/usr/local/lib/python${python.version}/dist-packages`;
  let first: string;
  let cachedRoot: string;
  let before: string[];

  it("installs a wheel with the image's pip into the sandbox's own root, and imports it", async () => {
    first = (await provider.provision({ runtime: { image } })).externalId;
    const [cached] = await new ImageStore({ stateDir }).list();
    cachedRoot = cached?.rootfsDir as string;
    before = treeState(cachedRoot);
    expect(before.some((line) => line.startsWith(`usr/lib/python${python.version}/os.py `))).toBe(true);

    const version = await provider.exec(first, ["python3", "--version"]);
    expect(version.stdout).toMatch(new RegExp(`^Python ${python.version.replace(".", "\\.")}\\.\\d+\n$`));
    const files = provider.getExtension(first, "files");
    await files?.write(`/tmp/${WHEEL.file}`, wheel);
    const install = await provider.exec(first, ["python3", "-m", "pip", "install", "--no-index", `/tmp/${WHEEL.file}`]);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).toContain(`Successfully installed ${WHEEL.distribution}-${WHEEL.version}`);

    // Where Debian's pip puts it for the image's /usr prefix (its posix_local scheme).
    const where = await provider.exec(first, [
      "python3",
      "-c",
      `import ${WHEEL.module}; print(${WHEEL.module}.__file__)`,
    ]);
    expect(where.exitCode, where.stderr).toBe(0);
    expect(where.stdout).toBe(`${WHEEL.message}\n${purelib}/${WHEEL.module}/__init__.py\n`);
    const imported = await provider.exec(first, ["python3", "-c", `import ${WHEEL.module}`]);
    expect(imported).toMatchObject({ exitCode: 0, stdout: `${WHEEL.message}\n` });
    const distInfo = `${purelib}/${WHEEL.distribution.replace("-", "_")}-${WHEEL.version}.dist-info`;
    expect((await sh(first, `cat ${distInfo}/INSTALLER`)).stdout).toBe("pip\n");
    // Python wrote bytecode next to the image's own stdlib: the overlay took writes anywhere.
    const bytecode = await sh(first, `ls /usr/lib/python${python.version}/__pycache__`);
    expect(bytecode.stdout).toMatch(/^enum\.cpython-\d+\.pyc$/m);
  });

  it("keeps the package out of a second sandbox of the same image", async () => {
    const second = (await provider.provision({ runtime: { image } })).externalId;
    const imported = await provider.exec(second, ["python3", "-c", `import ${WHEEL.module}`]);
    expect(imported.exitCode).toBe(1);
    expect(imported.stderr).toContain(`ModuleNotFoundError: No module named '${WHEEL.module}'`);
    expect((await sh(second, `test -e ${purelib} || echo absent`)).stdout).toBe("absent\n");
    // The first still has it after the second started.
    expect((await provider.exec(first, ["python3", "-c", `import ${WHEEL.module}`])).stdout).toBe(`${WHEEL.message}\n`);
  });

  it("leaves the image's cached tree on the host exactly as it was", async () => {
    const after = treeState(cachedRoot);
    const written = (line: string) =>
      line.startsWith("usr/local") || line.includes("__pycache__") || line.includes(WHEEL.module);
    expect(after.filter(written)).toEqual([]);
    expect(after).toEqual(before);
  });
});
