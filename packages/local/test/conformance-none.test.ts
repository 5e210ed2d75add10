/** The conformance suite on the none tier (plain processes); see support/local-conformance.ts. */
import { describeLocalConformance } from "./support/local-conformance.js";

await describeLocalConformance("none");
