import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runExample } from "./run-example.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

/** A snippet file without its two-line `//` header: the part the README shows. */
function body(file: string): string {
  return readFileSync(path.join(root, "examples", file), "utf8")
    .split("\n")
    .filter((line, index) => !(index < 2 && line.startsWith("//")))
    .join("\n");
}

describe("README usage snippets", () => {
  it("the TypeScript one is the type-checked examples/readme-snippet.ts, verbatim, and prints 42", async () => {
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(body("readme-snippet.ts"));
    const run = await runExample("readme-snippet.ts");
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toBe("42\n");
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("the try/finally one is examples/readme-snippet.mjs, verbatim, and plain node runs it", () => {
    expect(/```js\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(body("readme-snippet.mjs"));
    const cache = mkdtempSync(path.join(os.tmpdir(), "openlattice-snippet-"));
    // Plain node, no tsx and no source condition: the built packages, as a user's .mjs gets them.
    const run = spawnSync(process.execPath, ["readme-snippet.mjs"], {
      cwd: path.join(root, "examples"),
      encoding: "utf8",
      env: { ...process.env, XDG_CACHE_HOME: cache },
      timeout: 60_000,
    });
    rmSync(cache, { recursive: true, force: true });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("42\n");
  });

  it(`what the README says about await using holds on this Node (${process.version})`, () => {
    expect(readme).toContain("Node 24 runs `await using` natively; Node 20 and 22 reject it in plain JavaScript");
    const file = path.join(os.tmpdir(), `await-using-${process.pid}.mjs`);
    writeFileSync(file, "{ await using handle = { async [Symbol.asyncDispose]() {} }; }\n");
    const check = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
    const major = Number(process.versions.node.split(".")[0]);
    if (major >= 24) expect(check.status, check.stderr).toBe(0);
    else expect(check.stderr).toContain("SyntaxError");
  });
});
