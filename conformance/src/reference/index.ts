/** `@openlattice/conformance/reference`: the reference provider, kept for provider authors to read. */
export {
  createReferenceProvider,
  REFERENCE_IMAGE,
  ReferenceProvider,
  type ReferenceProviderOptions,
  type ReferenceSandbox,
} from "./reference-provider.js";
