import { RUNTIME_BUGS } from "./defs/runtime-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(RUNTIME_BUGS);
