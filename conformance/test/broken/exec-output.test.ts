import { EXEC_OUTPUT_BUGS } from "./defs/exec-output-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(EXEC_OUTPUT_BUGS);
