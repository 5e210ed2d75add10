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
      const declared = live().spec.network?.ports ?? [];
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new InvalidArgumentError("port", "must be an integer from 1 to 65535", { provider });
      }
      if (!declared.includes(port)) {
        throw new InvalidArgumentError(
          "port",
          `port ${port} is not in network.ports (${declared.join(", ") || "none declared"}); declare it at provision`,
          { provider },
        );
      }
      return `http://127.0.0.1:${port}`;
    },
  };
}
