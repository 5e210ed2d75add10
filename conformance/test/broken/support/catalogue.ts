import type { Requirement } from "../../../src/index.js";
import type { BrokenProvider } from "./define-broken.js";

/**
 * BROKEN-PROVIDERS.md: for every requirement, the broken providers of the self-test that fail
 * it, i.e. the bugs it is known to catch (with the real provider each bug is built on).
 */
export function renderCatalogue(requirements: readonly Requirement[], bugs: readonly BrokenProvider[]): string {
  const out = [
    "# What each requirement catches",
    "",
    "Generated from the self-test's broken providers (`test/broken/defs/`); do not edit.",
    "`OLC_UPDATE_CATALOGUE=1 npx -y pnpm@10.34.9 exec vitest run --project conformance test/broken-coverage.test.ts`",
    "rewrites it. Each bug below is a provider with that one bug, built on the reference or on the",
    "local provider; the suite fails it on exactly the requirements it is listed under (a bug",
    "listed under several requirements fails all of them).",
    "",
  ];
  for (const requirement of requirements) {
    out.push(`## \`${requirement.id}\` (${requirement.level})`, "", requirement.title, "");
    for (const bug of bugs.filter((candidate) => candidate.fails.includes(requirement.id))) {
      out.push(`- ${bug.base}: ${bug.bug}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** Text compared without the padding a formatter may change. */
export function normalizeMarkdown(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
}
