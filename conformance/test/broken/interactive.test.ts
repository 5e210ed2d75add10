import { INTERACTIVE_BUGS } from "./defs/interactive-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(INTERACTIVE_BUGS);
