import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { loadModalDefinitions, loadModalDefinitionsFrom, ModalDefinitionsNotFoundError } from "../src/index.js";

test("the installed SDK's definitions load, with every method the emulator implements", () => {
  const definitions = loadModalDefinitions();
  expect(definitions.sdkVersion).toBe("0.11.1");
  expect(definitions.source).toMatch(/modal[/\\]dist[/\\]index\.cjs$/);
  for (const method of ["sandboxCreate", "sandboxCreateV2", "sandboxWaitV2", "imageGetOrCreate", "authTokenGet"]) {
    expect(definitions.control.methods).toHaveProperty(method);
  }
  for (const method of ["taskExecStart", "taskExecStdioRead", "taskExecStdinWriteStream", "taskSnapshotFilesystem"]) {
    expect(definitions.router.methods).toHaveProperty(method);
  }
});

test("a bundle without the definitions fails loudly, naming what is missing", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "ol-fake-modal-"));
  await mkdir(path.join(dir, "dist"));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "modal", version: "9.9.9" }));
  const bundle = path.join(dir, "dist", "index.cjs");
  await writeFile(bundle, "var SomethingElse = {}; module.exports = {};\n");
  expect(() => loadModalDefinitionsFrom(bundle)).toThrow(ModalDefinitionsNotFoundError);
  expect(() => loadModalDefinitionsFrom(bundle)).toThrow(/9\.9\.9.*no ModalClientDefinition/);
});
