import { InvalidArgumentError, type NetworkExtension } from "@openlattice/core";
import type { Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * The `network` extension over Modal tunnels. Only ports declared in `network.ports` at
 * provision time have tunnels. Modal tunnels are TLS endpoints (`https://….modal.host`); a
 * tunnel on a loopback host can only come from a local server such as the emulator, which
 * serves plain HTTP, so its URL is given as `http://`.
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
      return LOOPBACK.has(tunnel.host) ? `http://${tunnel.host}:${tunnel.port}` : tunnel.url;
    },
  };
}
