/**
 * Rewrites the requirement table in README.md from requirements.json.
 * Run `pnpm --filter @openlattice/conformance run docs:requirements` after editing the list;
 * test/requirements.test.ts fails while the README is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  isRequirementTableCurrent,
  renderRequirementTable,
  replaceRequirementTable,
} from "../src/requirements/render-requirement-table.js";
import { REQUIREMENTS } from "../src/requirements/requirement-list.js";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const before = readFileSync(readme, "utf8");
const table = renderRequirementTable(REQUIREMENTS);
if (isRequirementTableCurrent(before, table)) {
  console.log("README.md requirement table is up to date");
} else {
  writeFileSync(readme, replaceRequirementTable(before, table));
  console.log(`README.md requirement table rewritten (${REQUIREMENTS.length} requirements)`);
}
