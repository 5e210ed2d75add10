import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_CASES } from "../src/cases/all-cases.js";
import { parseRequirements, REQUIREMENTS } from "../src/index.js";
import {
  isRequirementTableCurrent,
  renderRequirementTable,
  replaceRequirementTable,
} from "../src/requirements/render-requirement-table.js";

describe("requirements.json", () => {
  it("has one case per requirement, in list order, with the leak check last", () => {
    expect(ALL_CASES.map((definition) => definition.id)).toEqual(REQUIREMENTS.map((requirement) => requirement.id));
    expect(ALL_CASES.at(-1)?.id).toBe("cleanup.no-leaks");
  });

  it("rejects malformed data", () => {
    const base = { id: "exec.x", level: "MUST", area: "exec", title: "t" };
    expect(() => parseRequirements({ requirements: [base, base] })).toThrow(/duplicate id/);
    expect(() => parseRequirements({ requirements: [{ ...base, level: "OPTIONAL" }] })).toThrow(/bad level/);
    expect(() => parseRequirements({ requirements: [{ ...base, area: "files" }] })).toThrow(/area must prefix/);
    expect(() => parseRequirements({ requirements: [{ ...base, id: "Bad Id" }] })).toThrow(/bad id/);
    expect(() => parseRequirements({})).toThrow(/must be an array/);
  });

  it("is rendered into README.md (run `pnpm --filter @openlattice/conformance run docs:requirements` when this fails)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(isRequirementTableCurrent(readme, renderRequirementTable(REQUIREMENTS))).toBe(true);
  });

  it("notices a stale table", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const stale = replaceRequirementTable(readme, renderRequirementTable(REQUIREMENTS.slice(1)));
    expect(isRequirementTableCurrent(stale, renderRequirementTable(REQUIREMENTS))).toBe(false);
  });
});
