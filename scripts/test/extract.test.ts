import { describe, expect, it } from "vitest";
import { extractCommands, forwardedDoubleDash } from "../doc-commands/extract.ts";

const markdown = [
  "# Title",
  "Install with `npx -y pnpm@10.34.9 install --frozen-lockfile`, then read on.",
  "",
  "```sh",
  "$ npx -y pnpm@10.34.9 bench --quick      # small counts",
  "echo not a command",
  "TS_AUTHKEY=… npx -y pnpm@10.34.9 --filter @openlattice/examples run tailscale",
  "```",
  "",
  "| a | `npx -y pnpm@10.34.9 --filter x run y --flag 1` |",
  "Prose mentions `pnpm bench` and `npx openlattice-conformance ./p.ts`, and the form `npx -y pnpm@10.34.9 …`.",
  "````md",
  "```",
  "npx -y pnpm@10.34.9 inside-a-nested-fence",
  "```",
  "````",
].join("\n");

describe("extractCommands", () => {
  it("takes fenced lines (no prompt, no trailing comment) and inline code spans, with line numbers", () => {
    expect(extractCommands(markdown, "README.md")).toEqual([
      { file: "README.md", line: 2, command: "npx -y pnpm@10.34.9 install --frozen-lockfile" },
      { file: "README.md", line: 5, command: "npx -y pnpm@10.34.9 bench --quick" },
      {
        file: "README.md",
        line: 7,
        command: "TS_AUTHKEY=… npx -y pnpm@10.34.9 --filter @openlattice/examples run tailscale",
      },
      { file: "README.md", line: 10, command: "npx -y pnpm@10.34.9 --filter x run y --flag 1" },
      { file: "README.md", line: 14, command: "npx -y pnpm@10.34.9 inside-a-nested-fence" },
    ]);
  });

  it("takes the conformance CLI only in the guides under docs/", () => {
    const text = "```sh\nnpx openlattice-conformance ./my-provider.ts --image host\n```\n";
    expect(extractCommands(text, "conformance/README.md")).toEqual([]);
    expect(extractCommands(text, "docs/guide.md")).toEqual([
      { file: "docs/guide.md", line: 2, command: "npx openlattice-conformance ./my-provider.ts --image host" },
    ]);
  });
});

describe("forwardedDoubleDash", () => {
  it("flags `pnpm <script> -- --flag` in code and prose, and nothing else", () => {
    const text = [
      "`npx -y pnpm@10.34.9 bench -- --quick`",
      "run `pnpm soak -- --seconds 5`",
      "`npx -y pnpm@10.34.9 bench --quick`",
      "a -- dash in prose",
      "`pnpm exec vitest run --project x`",
    ].join("\n");
    expect(forwardedDoubleDash(text)).toEqual([1, 2]);
  });
});
