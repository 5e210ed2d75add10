import { EXEC_INPUT_BUGS } from "./defs/exec-input-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(EXEC_INPUT_BUGS);
