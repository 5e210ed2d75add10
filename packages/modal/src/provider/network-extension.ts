import { InvalidArgumentError, type NetworkExtension } from "@openlattice/core";
import type { Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";

/**
 * The `network` extension over Modal tunnels. Only ports declared in `network.ports` at
 * provision time have tunnels. A tunnel is a TLS endpoint and its `url` is returned as Modal
 * gives it (`https://….modal.host`; the emulator's are `https://127.0.0.1:<port>` with its own
 * certificate, see the README).
 */
export function createNetworkExtension(
  externalId: string,
  sandbox: () => Promise<Sandbox>,
  declaredPorts: () => readonly number[] | undefined,
): NetworkExtension {
  return {
    getUrl: async (port) => {
      const declared = declaredPorts();
      if (declared && !declared.includes(port)) {
        throw new InvalidArgumentError("port", `port ${port} was not declared in network.ports at provision time`, {
          provider: "modal",
        });
      }
      let tunnels: Awaited<ReturnType<Sandbox["tunnels"]>>;
      try {
        tunnels = await (await sandbox()).tunnels(60_000);
      } catch (error) {
        throw mapModalError(error, { operation: "network.getUrl", externalId });
      }
      const tunnel = tunnels[port];
      if (!tunnel) {
        throw new InvalidArgumentError("port", `sandbox ${externalId} has no tunnel for port ${port}`, {
          provider: "modal",
        });
      }
      return tunnel.url;
    },
  };
}
