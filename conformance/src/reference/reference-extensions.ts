import { InvalidArgumentError, type LifecycleExtension, type NetworkExtension } from "@openlattice/core";
import { signalGroup } from "./reference-exec.js";
import type { ReferenceSandbox } from "./reference-state.js";

/** Pause stops every process group of the sandbox; resume continues them. */
export function referenceLifecycle(live: () => ReferenceSandbox): LifecycleExtension {
  return {
    pause: async () => {
      const sandbox = live();
      for (const group of sandbox.groups) signalGroup(group, "SIGSTOP");
      sandbox.status = "paused";
    },
    resume: async () => {
      const sandbox = live();
      for (const group of sandbox.groups) signalGroup(group, "SIGCONT");
      sandbox.status = "running";
    },
  };
}

/**
 * URLs of the sandbox's declared ports. Sandboxes share the host's network (isolation "none"), so
 * a declared port is reachable on loopback; any other port is refused, as the spec requires of
 * every provider (code must not depend on a backend that happens to route more).
 */
export function referenceNetwork(live: () => ReferenceSandbox, provider: string): NetworkExtension {
  return {
    getUrl: async (port) => {
      // Declared ports were validated at provision, so this one check also refuses non-ports.
      if (!(live().spec.network?.ports ?? []).includes(port)) {
        throw new InvalidArgumentError("port", `${String(port)} is not in network.ports; declare it at provision`, {
          provider,
        });
      }
      return `http://127.0.0.1:${port}`;
    },
  };
}
