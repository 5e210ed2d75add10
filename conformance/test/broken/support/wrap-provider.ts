import type { Provider } from "@openlattice/core";

/** What a wrapper may replace: any member of a provider. */
export type ProviderPatch = Partial<{ -readonly [K in keyof Provider]: Provider[K] }>;

/**
 * A provider that delegates every member to `inner` except those `patch` replaces: how a
 * broken provider changes one behaviour of a real one (the local provider, the reference) and
 * keeps the rest real. `patch` receives the inner provider to call through to.
 */
export function wrapProvider(inner: Provider, patch: (inner: Provider) => ProviderPatch): Provider {
  const replaced = patch(inner);
  const list = inner.list;
  return {
    name: replaced.name ?? inner.name,
    specificationVersion: replaced.specificationVersion ?? inner.specificationVersion,
    get capabilities() {
      return replaced.capabilities ?? inner.capabilities;
    },
    provision: replaced.provision ?? ((spec, options) => inner.provision(spec, options)),
    exec: replaced.exec ?? ((id, argv, options) => inner.exec(id, argv, options)),
    destroy: replaced.destroy ?? ((id) => inner.destroy(id)),
    inspect: replaced.inspect ?? ((id) => inner.inspect(id)),
    snapshot: replaced.snapshot ?? ((id) => inner.snapshot(id)),
    restore: replaced.restore ?? ((ref, overrides) => inner.restore(ref, overrides)),
    healthCheck: replaced.healthCheck ?? (() => inner.healthCheck()),
    getExtension: replaced.getExtension ?? ((id, name) => inner.getExtension(id, name)),
    ...(replaced.list || list
      ? { list: replaced.list ?? ((filter) => (list as NonNullable<Provider["list"]>).call(inner, filter)) }
      : {}),
  };
}
