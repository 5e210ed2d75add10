import { limitsBugs } from "./defs/limits-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";
import { startProbeServer } from "./support/probe-server.js";

registerBrokenProviders(limitsBugs(await startProbeServer()));
