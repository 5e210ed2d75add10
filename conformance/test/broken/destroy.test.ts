import { DESTROY_BUGS } from "./defs/destroy-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(DESTROY_BUGS);
