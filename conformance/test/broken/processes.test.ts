import { PROCESSES_BUGS } from "./defs/processes-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(PROCESSES_BUGS);
