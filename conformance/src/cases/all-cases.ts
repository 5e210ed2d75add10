import { REQUIREMENTS } from "../requirements/requirement-list.js";
import { CAPABILITY_CLAIM_CASES } from "./capability-claim-cases.js";
import type { CaseDefinition } from "./case-definition.js";
import { EGRESS_CASES } from "./egress-cases.js";
import { ERRORS_CASES } from "./errors-cases.js";
import { EXEC_CONCURRENCY_CASES } from "./exec-concurrency-cases.js";
import { EXEC_ENV_CASES } from "./exec-env-cases.js";
import { EXEC_INPUT_CASES } from "./exec-input-cases.js";
import { EXEC_OUTPUT_CASES } from "./exec-output-cases.js";
import { EXEC_STREAM_CASES } from "./exec-stream-cases.js";
import { EXEC_TIMEOUT_CASES } from "./exec-timeout-cases.js";
import { EXTENSION_CASES } from "./extension-cases.js";
import { FILE_STREAMS_CASES } from "./file-streams-cases.js";
import { FILE_WATCH_CASES } from "./file-watch-cases.js";
import { FILES_BOUNDARY_CASES } from "./files-boundary-cases.js";
import { FILES_CASES } from "./files-cases.js";
import { FILES_PATH_CASES } from "./files-path-cases.js";
import { LIFECYCLE_CASES } from "./lifecycle-cases.js";
import { LIFETIME_CASES } from "./lifetime-cases.js";
import { LIMITS_CASES } from "./limits-cases.js";
import { METRICS_CASES } from "./metrics-cases.js";
import { NETWORK_CASES } from "./network-cases.js";
import { PROCESSES_ATTACH_CASES } from "./processes-attach-cases.js";
import { PROCESSES_CASES } from "./processes-cases.js";
import { PROVIDER_CASES } from "./provider-cases.js";
import { PTY_CASES } from "./pty-cases.js";
import { SANDBOX_DESTROY_CASES } from "./sandbox-destroy-cases.js";
import { SANDBOX_INSPECT_CASES } from "./sandbox-inspect-cases.js";
import { SANDBOX_PROVISION_CASES } from "./sandbox-provision-cases.js";
import { SANDBOX_RUNTIME_CASES } from "./sandbox-runtime-cases.js";
import { SNAPSHOT_CASES } from "./snapshot-cases.js";
import { SNAPSHOT_RESTORE_CASES } from "./snapshot-restore-cases.js";
import { SPEC_VALIDATION_CASES } from "./spec-validation-cases.js";

const BY_ID = new Map<string, CaseDefinition>();
for (const definition of [
  ...PROVIDER_CASES,
  ...SPEC_VALIDATION_CASES,
  ...SANDBOX_PROVISION_CASES,
  ...SANDBOX_INSPECT_CASES,
  ...SANDBOX_DESTROY_CASES,
  ...SANDBOX_RUNTIME_CASES,
  ...EXEC_OUTPUT_CASES,
  ...EXEC_TIMEOUT_CASES,
  ...EXEC_STREAM_CASES,
  ...EXEC_INPUT_CASES,
  ...EXEC_ENV_CASES,
  ...EXEC_CONCURRENCY_CASES,
  ...FILES_CASES,
  ...FILES_BOUNDARY_CASES,
  ...FILES_PATH_CASES,
  ...NETWORK_CASES,
  ...SNAPSHOT_CASES,
  ...SNAPSHOT_RESTORE_CASES,
  ...LIFECYCLE_CASES,
  ...LIMITS_CASES,
  ...EGRESS_CASES,
  ...METRICS_CASES,
  ...CAPABILITY_CLAIM_CASES,
  ...PROCESSES_CASES,
  ...PROCESSES_ATTACH_CASES,
  ...PTY_CASES,
  ...FILE_STREAMS_CASES,
  ...FILE_WATCH_CASES,
  ...LIFETIME_CASES,
  ...EXTENSION_CASES,
  ...ERRORS_CASES,
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
