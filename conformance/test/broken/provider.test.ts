import { PROVIDER_BUGS } from "./defs/provider-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(PROVIDER_BUGS);
