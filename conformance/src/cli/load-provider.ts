import type { Provider } from "@openlattice/core";

/** How the CLI makes providers from a module: a factory, and whether it hands out one shared instance. */
export interface LoadedProvider {
  readonly factory: () => Provider | Promise<Provider>;
  /** The module exported an instance: every case gets that same object. */
  readonly shared: boolean;
  /** Which export was used, for messages. */
  readonly exportName: string;
}

/** Export names the CLI looks at, in order. */
export const PROVIDER_EXPORTS = ["default", "createProvider", "provider"] as const;

/** A class (constructor) as opposed to a plain factory function. */
function isClass(value: (...args: unknown[]) => unknown): boolean {
  if (/^class[\s{]/.test(Function.prototype.toString.call(value))) return true;
  // An ES5-style constructor: its prototype carries the provider's methods.
  const prototype = (value as { prototype?: Record<string, unknown> }).prototype;
  return typeof prototype?.provision === "function" && typeof prototype.exec === "function";
}

/** Looks like a provider instance (the suite's provider.spec-version case checks it properly). */
function isInstance(value: unknown): value is Provider {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Provider).provision === "function" &&
    typeof (value as Provider).exec === "function"
  );
}

/**
 * Finds the provider a module exports — a factory function, a class (constructed with no
 * arguments, once per case) or an instance — as `default`, `createProvider` or `provider`.
 * Throws an Error saying what was found otherwise.
 */
export function loadProvider(module: Record<string, unknown>, modulePath: string): LoadedProvider {
  for (const exportName of PROVIDER_EXPORTS) {
    const value = module[exportName];
    if (typeof value === "function") {
      const fn = value as (...args: unknown[]) => unknown;
      if (isClass(fn)) {
        const Class = fn as unknown as new () => Provider;
        return { factory: () => new Class(), shared: false, exportName };
      }
      return { factory: fn as () => Provider | Promise<Provider>, shared: false, exportName };
    }
    if (isInstance(value)) return { factory: () => value, shared: true, exportName };
  }
  const found = PROVIDER_EXPORTS.map((name) => `${name}: ${module[name] === null ? "null" : typeof module[name]}`).join(
    ", ",
  );
  throw new Error(
    `${modulePath} must export a Provider factory function, a Provider class or a Provider instance, as its default export or as createProvider or provider (found ${found})`,
  );
}
