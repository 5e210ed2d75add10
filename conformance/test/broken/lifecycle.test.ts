import { LIFECYCLE_BUGS } from "./defs/lifecycle-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(LIFECYCLE_BUGS);
