import { SANDBOX_BUGS } from "./defs/sandbox-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(SANDBOX_BUGS);
