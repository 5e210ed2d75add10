/** Tags every openlattice sandbox carries, so that leaks can be found and swept. */
export const MANAGED_TAG = "openlattice-managed";
export const OWNER_TAG = "openlattice-owner";
export const RUN_TAG = "openlattice-run";
/** Creation time in epoch milliseconds: `SandboxList` does not return it through the public API. */
export const CREATED_TAG = "openlattice-created";
/** The spec's idempotency key, so that a repeated `provision` finds the first sandbox. */
export const IDEMPOTENCY_TAG = "openlattice-idempotency";
/** Marks a sandbox that joined a tailnet, so that `destroy` logs the node out first. */
export const TAILSCALE_TAG = "openlattice-tailscale";
/** One GPU create attempt, so that a sandbox still queued at the scheduling deadline can be found. */
export const ATTEMPT_TAG = "openlattice-attempt";

export const RESERVED_TAGS: ReadonlySet<string> = new Set([
  MANAGED_TAG,
  OWNER_TAG,
  RUN_TAG,
  CREATED_TAG,
  IDEMPOTENCY_TAG,
  TAILSCALE_TAG,
  ATTEMPT_TAG,
]);

/** The caller's labels: the tags minus the ones openlattice adds. */
export function labelsFromTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) if (!RESERVED_TAGS.has(key)) labels[key] = value;
  return labels;
}
