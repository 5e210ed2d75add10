import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("README usage snippet", () => {
  it("is the type-checked examples/readme-snippet.ts, verbatim", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const checked = readFileSync(path.join(root, "examples", "readme-snippet.ts"), "utf8")
      .split("\n")
      .filter((line, index) => !(index < 2 && line.startsWith("//")))
      .join("\n");
    expect(snippet).toBeDefined();
    expect(checked).toBe(snippet);
  });
});
