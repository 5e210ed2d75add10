import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REQUIREMENTS } from "../src/index.js";
import { allBugs } from "./broken/defs/all-bugs.js";
import { normalizeMarkdown, renderCatalogue } from "./broken/support/catalogue.js";
import { casesFor, GUARD } from "./broken/support/define-broken.js";

const bugs = allBugs();
const ids = new Set(REQUIREMENTS.map((requirement) => requirement.id));

describe("the broken providers of the self-test", () => {
  it("include, for every requirement, one that fails exactly that id and nothing else", () => {
    const covered = new Set(bugs.filter((bug) => bug.fails.length === 1).map((bug) => bug.fails[0]));
    expect(REQUIREMENTS.map((requirement) => requirement.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it("name only real requirements, each once, and run every id they expect to fail", () => {
    for (const bug of bugs) {
      expect(
        bug.fails.filter((id) => !ids.has(id)),
        bug.bug,
      ).toEqual([]);
      expect(new Set(bug.fails).size, bug.bug).toBe(bug.fails.length);
      const runs = casesFor(bug);
      for (const id of bug.fails) {
        expect(
          runs.some((pattern) => pattern === id || (pattern.endsWith(".") && id.startsWith(pattern))),
          `${bug.bug}: ${id}`,
        ).toBe(true);
      }
    }
  });

  it("each describe a distinct bug, and the guard cases exist", () => {
    expect(new Set(bugs.map((bug) => bug.bug)).size).toBe(bugs.length);
    expect(GUARD.filter((id) => !ids.has(id))).toEqual([]);
    expect(bugs.length).toBeGreaterThanOrEqual(REQUIREMENTS.length);
  });

  it("are listed per requirement in BROKEN-PROVIDERS.md (OLC_UPDATE_CATALOGUE=1 rewrites it)", () => {
    const file = new URL("../BROKEN-PROVIDERS.md", import.meta.url);
    const rendered = renderCatalogue(REQUIREMENTS, bugs);
    if (process.env.OLC_UPDATE_CATALOGUE === "1") writeFileSync(file, rendered);
    expect(normalizeMarkdown(readFileSync(file, "utf8"))).toBe(normalizeMarkdown(rendered));
  });
});
