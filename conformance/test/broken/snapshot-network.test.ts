import { SNAPSHOT_NETWORK_BUGS } from "./defs/snapshot-network-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(SNAPSHOT_NETWORK_BUGS);
