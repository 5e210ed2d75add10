/** The conformance suite on the namespace tier (bubblewrap); see support/local-conformance.ts. */
import { describeLocalConformance } from "./support/local-conformance.js";

await describeLocalConformance("namespace");
