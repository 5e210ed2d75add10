import { describeProvider } from "../src/index.js";
import { createReferenceProvider, REFERENCE_IMAGE } from "../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "./self-test-options.js";

// The reference provider must pass every requirement: nothing may be unsupported except what its
// capabilities deliberately leave out (metrics), and nothing may be not-run.
describeProvider({
  name: "reference",
  createProvider: () => createReferenceProvider(),
  options: { ...SELF_TEST_OPTIONS, image: REFERENCE_IMAGE },
});
