import { REQUIREMENTS } from "../requirements/requirement-list.js";
import type { CaseDefinition } from "./case-definition.js";
import { EXEC_CONTROL_CASES } from "./exec-control-cases.js";
import { EXEC_INPUT_CASES } from "./exec-input-cases.js";
import { EXEC_OUTPUT_CASES } from "./exec-output-cases.js";
import { EXTENSION_CASES } from "./extension-cases.js";
import { FILES_CASES } from "./files-cases.js";
import { LIFECYCLE_CASES } from "./lifecycle-cases.js";
import { NETWORK_CASES } from "./network-cases.js";
import { PROVIDER_CASES } from "./provider-cases.js";
import { SANDBOX_LIFECYCLE_CASES } from "./sandbox-lifecycle-cases.js";
import { SNAPSHOT_CASES } from "./snapshot-cases.js";
import { SPEC_VALIDATION_CASES } from "./spec-validation-cases.js";

const BY_ID = new Map<string, CaseDefinition>();
for (const definition of [
  ...PROVIDER_CASES,
  ...SPEC_VALIDATION_CASES,
  ...SANDBOX_LIFECYCLE_CASES,
  ...EXEC_OUTPUT_CASES,
  ...EXEC_INPUT_CASES,
  ...EXEC_CONTROL_CASES,
  ...FILES_CASES,
  ...NETWORK_CASES,
  ...SNAPSHOT_CASES,
  ...LIFECYCLE_CASES,
  ...EXTENSION_CASES,
]) {
  if (BY_ID.has(definition.id)) throw new Error(`two cases for requirement ${definition.id}`);
  BY_ID.set(definition.id, definition);
}

/**
 * One case per requirement, in the order of requirements.json (so `cleanup.no-leaks`, listed last,
 * runs after every other case). A requirement without a case, or a case without a requirement,
 * is a suite bug and throws at import.
 */
export const ALL_CASES: readonly CaseDefinition[] = REQUIREMENTS.map((requirement) => {
  const definition = BY_ID.get(requirement.id);
  if (!definition) throw new Error(`requirement ${requirement.id} has no case`);
  return definition;
});
if (ALL_CASES.length !== BY_ID.size) {
  const extra = [...BY_ID.keys()].filter((id) => !REQUIREMENTS.some((requirement) => requirement.id === id));
  throw new Error(`cases without a requirement: ${extra.join(", ")}`);
}
