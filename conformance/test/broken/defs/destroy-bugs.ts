import { ConflictError, NotFoundError, TerminatedError } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import { signalGroup } from "../../../src/reference/reference-exec.js";
import { sandboxes } from "../../../src/reference/reference-state.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();

/** Process groups a broken destroy left running; killed after the file so nothing outlives the test. */
const leftBehind = new Set<number>();
const killLeftBehind = () => {
  for (const group of leftBehind) signalGroup(group, "SIGKILL");
  leftBehind.clear();
};

/** Destroy, what is seen after it, and the leak check. */
export const DESTROY_BUGS: readonly BrokenProvider[] = [
  {
    bug: "destroying an unknown or already destroyed id throws not_found",
    base: "reference",
    fails: ["sandbox.destroy.twice", "sandbox.destroy.unknown"],
    create: () => {
      const destroyed = new Set<string>();
      const inner = reference();
      return wrapProvider(inner, () => ({
        destroy: async (id) => {
          const known = (await inner.inspect(id)).reason !== "not found";
          if (!known || destroyed.has(id)) throw new NotFoundError(`no sandbox ${id}`, { provider: "reference" });
          destroyed.add(id);
          await inner.destroy(id);
        },
      }));
    },
  },
  {
    bug: "a second destroy of the same sandbox throws terminated",
    base: "reference",
    fails: ["sandbox.destroy.twice"],
    create: () => {
      const destroyed = new Set<string>();
      const inner = reference();
      return wrapProvider(inner, () => ({
        destroy: async (id) => {
          if (destroyed.has(id))
            throw new TerminatedError(`sandbox ${id} is already destroyed`, { provider: "reference" });
          destroyed.add(id);
          await inner.destroy(id);
        },
      }));
    },
  },
  {
    bug: "destroy of an unknown id throws not_found",
    base: "reference",
    fails: ["sandbox.destroy.unknown"],
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        destroy: async (id) => {
          if ((await inner.inspect(id)).reason === "not found")
            throw new NotFoundError(`no sandbox ${id}`, { provider: "reference" });
          await inner.destroy(id);
        },
      }));
    },
  },
  {
    bug: 'destroy of a sandbox whose main command exited 0 (backend status "succeeded") throws conflict',
    base: "reference",
    fails: ["sandbox.destroy.after-exit"],
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        destroy: async (id) => {
          const info = await inner.inspect(id);
          if (info.reason === "entrypoint exited" && info.exitCode === 0)
            throw new ConflictError(`sandbox ${id} already succeeded`, { provider: "reference" });
          await inner.destroy(id);
        },
      }));
    },
  },
  {
    bug: "destroy reports success and marks the sandbox ended, but leaves its processes running",
    base: "reference",
    fails: ["sandbox.destroy.really"],
    dispose: killLeftBehind,
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        destroy: async (id) => {
          const sandbox = sandboxes.get(id);
          if (!sandbox) return;
          for (const group of sandbox.groups) leftBehind.add(group);
          sandbox.groups.clear();
          await inner.destroy(id);
        },
      }));
    },
  },
  {
    bug: 'inspect after destroy reports "failed" instead of "terminated"',
    base: "reference",
    fails: ["sandbox.inspect.after-destroy"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        inspect: async (id) => {
          const info = await inner.inspect(id);
          return info.reason === "destroyed" ? { ...info, status: "failed" } : info;
        },
      })),
  },
  {
    bug: "exec after destroy rejects with conflict",
    base: "reference",
    fails: ["sandbox.exec.after-destroy"],
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        exec: async (id, argv, options) => {
          if ((await inner.inspect(id)).reason === "destroyed")
            throw new ConflictError(`sandbox ${id} is gone`, { provider: "reference" });
          return inner.exec(id, argv, options);
        },
      }));
    },
  },
  {
    bug: "destroy of a restored sandbox does nothing (restored ids live in another table)",
    base: "reference",
    fails: ["cleanup.no-leaks"],
    also: ["snapshot.restore.isolated", "cleanup.no-leaks"],
    create: () => {
      const inner = reference();
      const restored = new Set<string>();
      return wrapProvider(inner, () => ({
        restore: async (ref, overrides) => {
          const node = await inner.restore(ref, overrides);
          restored.add(node.externalId);
          return node;
        },
        destroy: async (id) => (restored.has(id) ? undefined : inner.destroy(id)),
      }));
    },
  },
  {
    bug: "destroy is a no-op that reports success",
    base: "reference",
    fails: [
      "sandbox.inspect.after-destroy",
      "sandbox.exec.after-destroy",
      "sandbox.destroy.really",

      "sandbox.list.live-only",
      "cleanup.no-leaks",
    ],
    also: ["cleanup.no-leaks"],
    create: () => wrapProvider(reference(), () => ({ destroy: async () => undefined })),
  },
  {
    bug: "list matches label keys only, not their values",
    base: "reference",
    fails: ["cleanup.list-by-label"],
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        list: async (filter) => {
          const keys = Object.keys(filter?.labels ?? {});
          return (await inner.list({})).filter((node) => keys.every((key) => key in node.labels));
        },
      }));
    },
  },
];
