import type { BrokenProvider } from "../support/define-broken.js";
import { DESTROY_BUGS } from "./destroy-bugs.js";
import { EXEC_INPUT_BUGS } from "./exec-input-bugs.js";
import { EXEC_OUTPUT_BUGS } from "./exec-output-bugs.js";
import { FILES_BUGS } from "./files-bugs.js";
import { INTERACTIVE_BUGS } from "./interactive-bugs.js";
import { LIFECYCLE_BUGS } from "./lifecycle-bugs.js";
import { limitsBugs } from "./limits-bugs.js";
import { PROCESSES_BUGS } from "./processes-bugs.js";
import { PROVIDER_BUGS } from "./provider-bugs.js";
import { RUNTIME_BUGS } from "./runtime-bugs.js";
import { SANDBOX_BUGS } from "./sandbox-bugs.js";
import { SNAPSHOT_NETWORK_BUGS } from "./snapshot-network-bugs.js";

/** Every broken provider of the self-test (the probe URL only matters when they run). */
export function allBugs(probeUrl = "http://127.0.0.1:9/"): readonly BrokenProvider[] {
  return [
    ...PROVIDER_BUGS,
    ...SANDBOX_BUGS,
    ...DESTROY_BUGS,
    ...RUNTIME_BUGS,
    ...EXEC_OUTPUT_BUGS,
    ...EXEC_INPUT_BUGS,
    ...FILES_BUGS,
    ...SNAPSHOT_NETWORK_BUGS,
    ...LIFECYCLE_BUGS,
    ...limitsBugs(probeUrl),
    ...PROCESSES_BUGS,
    ...INTERACTIVE_BUGS,
  ];
}
