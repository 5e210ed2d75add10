import { FILES_BUGS } from "./defs/files-bugs.js";
import { registerBrokenProviders } from "./support/define-broken.js";

registerBrokenProviders(FILES_BUGS);
