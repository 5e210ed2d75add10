import { describeProvider } from "../src/index.js";
import { createReferenceProvider } from "../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "./self-test-options.js";

// The reference provider must pass every requirement: nothing may be unsupported except what its
// capabilities deliberately leave out (verified), and nothing may be not-run except the egress
// cases, which need a probe URL and a provider that can block egress.
describeProvider({
  name: "reference",
  createProvider: () => createReferenceProvider(),
  options: SELF_TEST_OPTIONS,
});
