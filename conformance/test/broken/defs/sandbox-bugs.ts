import { NotFoundError, type Provider, type SandboxNode } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();

/** A wrapper whose instances each see only the sandboxes they made themselves (a per-client registry). */
function perInstance(): Provider {
  const inner = reference();
  const mine = new Set<string>();
  const remember = (node: SandboxNode) => {
    mine.add(node.externalId);
    return node;
  };
  return wrapProvider(inner, () => ({
    provision: async (spec, options) => remember(await inner.provision(spec, options)),
    restore: async (ref, overrides) => remember(await inner.restore(ref, overrides)),
    inspect: async (id) =>
      mine.has(id)
        ? inner.inspect(id)
        : { externalId: id, provider: inner.name, status: "terminated", reason: "not found", labels: {} },
    list: async (filter) => ((await inner.list?.(filter)) ?? []).filter((node) => mine.has(node.externalId)),
  }));
}

/** Destroyed nodes a broken list keeps showing. */
const destroyedNodes: SandboxNode[] = [];

/** Provisioning, inspect and list. */
export const SANDBOX_BUGS: readonly BrokenProvider[] = [
  {
    bug: 'provision resolves a node with status "pending" although the sandbox is ready',
    base: "reference",
    fails: ["sandbox.provision.node"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: async (spec, options) => ({ ...(await inner.provision(spec, options)), status: "pending" }),
      })),
  },
  {
    bug: "idempotencyKey is accepted but ignored, so a retried provision creates a second sandbox",
    base: "reference",
    fails: ["sandbox.provision.idempotency-key", "sandbox.provision.idempotency-concurrent"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const { idempotencyKey: _dropped, ...rest } = spec;
          return inner.provision(rest, options);
        },
      })),
  },
  {
    bug: "idempotency keys are matched by prefix (a key scan), so a longer new key finds an old sandbox",
    base: "reference",
    fails: ["sandbox.provision.idempotency-key"],
    create: () => {
      const keys = new Map<string, Promise<SandboxNode>>();
      return wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const key = spec.idempotencyKey;
          if (key === undefined) return inner.provision(spec, options);
          const found = [...keys.entries()].find(([known]) => key.startsWith(known));
          if (found) return found[1];
          const { idempotencyKey: _key, ...rest } = spec;
          const created = inner.provision(rest, options);
          keys.set(key, created);
          return created;
        },
      }));
    },
  },
  {
    bug: "the idempotency key is recorded only after the sandbox is created (a race)",
    base: "reference",
    fails: ["sandbox.provision.idempotency-concurrent"],
    create: () => {
      const keys = new Map<string, SandboxNode>();
      return wrapProvider(reference(), (inner) => ({
        provision: async (spec, options) => {
          const key = spec.idempotencyKey;
          const known = key === undefined ? undefined : keys.get(key);
          if (known) return known;
          const { idempotencyKey: _key, ...rest } = spec;
          const node = await inner.provision(rest, options);
          if (key !== undefined) keys.set(key, node);
          return node;
        },
      }));
    },
  },
  {
    bug: "abort is watched through an event listener only, so an already aborted signal is ignored",
    base: "reference",
    fails: ["sandbox.provision.abort"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => inner.provision(spec, options?.signal?.aborted ? {} : options),
      })),
  },
  {
    bug: "an aborted provision rejects at once but leaves the sandbox it was creating running",
    base: "reference",
    fails: ["sandbox.provision.abort-in-flight"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const signal = options?.signal;
          if (signal?.aborted) return Promise.reject(signal.reason);
          const running = inner.provision(spec);
          running.catch(() => undefined);
          if (!signal) return running;
          return new Promise<SandboxNode>((resolve, reject) => {
            signal.addEventListener("abort", () => reject(signal.reason), { once: true });
            running.then(resolve, reject);
          });
        },
      })),
  },
  {
    bug: 'inspect reports the backend\'s display name ("Reference") as provider',
    base: "reference",
    fails: ["sandbox.inspect.running"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        inspect: async (id) => ({ ...(await inner.inspect(id)), provider: "Reference" }),
      })),
  },
  {
    bug: "inspect reports createdAt as the time of the inspect call",
    base: "reference",
    fails: ["sandbox.inspect.exact"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        inspect: async (id) => ({ ...(await inner.inspect(id)), createdAt: new Date() }),
      })),
  },
  {
    bug: "inspect trims whitespace around label values (labels stored as trimmed strings)",
    base: "reference",
    fails: ["sandbox.inspect.exact"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        inspect: async (id) => {
          const info = await inner.inspect(id);
          return { ...info, labels: Object.fromEntries(Object.entries(info.labels).map(([k, v]) => [k, v.trim()])) };
        },
      })),
  },
  {
    bug: "inspect of an unknown id throws not_found",
    base: "reference",
    fails: ["sandbox.inspect.unknown"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        inspect: async (id) => {
          const info = await inner.inspect(id);
          if (info.reason === "not found") throw new NotFoundError(`no sandbox ${id}`, { provider: "reference" });
          return info;
        },
      })),
  },
  {
    bug: "list keeps returning destroyed sandboxes",
    base: "reference",
    fails: ["sandbox.list.live-only"],
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        destroy: async (id) => {
          const info = await inner.inspect(id);
          await inner.destroy(id);
          if (info.createdAt) destroyedNodes.push({ ...info, createdAt: info.createdAt, status: "terminated" });
        },
        list: async (filter) => {
          const wanted = Object.entries(filter?.labels ?? {});
          const ended = destroyedNodes.filter((node) => wanted.every(([key, value]) => node.labels[key] === value));
          return [...(await inner.list(filter)), ...ended];
        },
      }));
    },
  },
  {
    bug: "each provider instance only lists and inspects the sandboxes it made itself",
    base: "reference",
    fails: ["sandbox.list.shared"],
    create: perInstance,
  },
];
