import type { ExtensionName, Extensions, ProcessesExtension, ProcessHandle, Provider } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import { wrapProvider } from "./wrap-provider.js";

/**
 * A reference provider whose extension `name` is replaced by `patch(real, id)`: how a broken
 * provider gets one extension wrong and keeps everything else real.
 */
export function patchExtension<K extends ExtensionName>(
  name: K,
  patch: (real: Extensions[K], id: string, inner: Provider) => Extensions[K],
  base: () => Provider = () => new ReferenceProvider(),
): () => Provider {
  return () =>
    wrapProvider(base(), (inner) => ({
      getExtension: ((id: string, requested: string) => {
        const extension = inner.getExtension(id, requested);
        return requested === name && extension ? patch(extension as Extensions[K], id, inner) : extension;
      }) as Provider["getExtension"],
    }));
}

/** What a broken handle may replace. */
export type HandlePatch = Partial<Omit<ProcessHandle, "pid">>;

/** A handle delegating to `real` except for what `patch` replaces. */
export function patchHandle(real: ProcessHandle, patch: HandlePatch): ProcessHandle {
  return {
    get pid() {
      return real.pid;
    },
    get outputDropped() {
      return patch.outputDropped ?? real.outputDropped;
    },
    write: patch.write ?? ((data) => real.write(data)),
    closeStdin: patch.closeStdin ?? (() => real.closeStdin()),
    resize: patch.resize ?? ((cols, rows) => real.resize(cols, rows)),
    kill: patch.kill ?? ((signal) => real.kill(signal)),
    wait: patch.wait ?? (() => real.wait()),
    detach: patch.detach ?? (() => real.detach()),
  };
}

/** A processes extension whose every handle (started or attached) is patched by `patch`. */
export function patchHandles(
  real: ProcessesExtension,
  patch: (handle: ProcessHandle, how: "start" | "attach") => HandlePatch,
): ProcessesExtension {
  return {
    start: async (argv, options) => {
      const handle = await real.start(argv, options);
      return patchHandle(handle, patch(handle, "start"));
    },
    list: () => real.list(),
    attach: async (pid, options) => {
      const handle = await real.attach(pid, options);
      return patchHandle(handle, patch(handle, "attach"));
    },
  };
}
