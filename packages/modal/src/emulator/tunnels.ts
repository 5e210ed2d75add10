import type { EmulatedSandbox } from "./emulated-sandbox.js";
import type { EmulatorCore } from "./emulator-core.js";

export interface TunnelInfo {
  host: string;
  port: number;
  containerPort: number;
  unencryptedHost: string;
  unencryptedPort: number;
}

/**
 * Tunnels of a sandbox, one per declared port. The backend's `network` extension says where
 * a port is reachable from the host; without one the backend shares the host network. The
 * host is a loopback address and the server speaks plain HTTP, unlike Modal's TLS tunnels
 * (`*.modal.host`): that is how `ModalProvider.getUrl` recognises an emulator tunnel.
 */
export async function tunnelsOf(core: EmulatorCore, sandbox: EmulatedSandbox): Promise<TunnelInfo[]> {
  await sandbox.ready;
  const network = sandbox.backendId ? core.backend.getExtension(sandbox.backendId, "network") : undefined;
  const tunnels: TunnelInfo[] = [];
  for (const containerPort of sandbox.ports) {
    let host = "127.0.0.1";
    let port = containerPort;
    if (network) {
      const url = new URL(await network.getUrl(containerPort));
      host = url.hostname;
      port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    }
    tunnels.push({ host, port, containerPort, unencryptedHost: host, unencryptedPort: port });
  }
  return tunnels;
}
