import net from "node:net";
import tls from "node:tls";
import type { Provider } from "@openlattice/core";
import type { TlsMaterial } from "./tls-certificate.js";

/** One tunnel as `SandboxCreateV2Response.tunnels` / `SandboxGetTunnelsResponse.tunnels` carry it. */
export interface TunnelInfo {
  host: string;
  port: number;
  containerPort: number;
  unencryptedHost?: string;
  unencryptedPort?: number;
}

/** A port declared at create time (`openPorts`). */
export interface DeclaredPort {
  readonly port: number;
  readonly unencrypted: boolean;
}

/**
 * The tunnels of one sandbox. Like Modal's, each is a TLS endpoint (`Tunnel.url` is
 * `https://127.0.0.1:<port>`): the emulator terminates TLS with its self-signed certificate
 * and forwards the bytes to where the backend exposes the container port (its `network`
 * extension, or the host network when it has none). Ports declared unencrypted also get the
 * raw TCP endpoint as `unencryptedHost`/`unencryptedPort`.
 */
export class SandboxTunnels {
  readonly #servers: tls.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  #opened: Promise<TunnelInfo[]> | undefined;
  #closed = false;

  constructor(private readonly material: TlsMaterial) {}

  /** Opens the tunnels once; later calls return the same ones. */
  open(backend: Provider, backendId: string, ports: readonly DeclaredPort[]): Promise<TunnelInfo[]> {
    this.#opened ??= this.#open(backend, backendId, ports);
    return this.#opened;
  }

  async #open(backend: Provider, backendId: string, ports: readonly DeclaredPort[]): Promise<TunnelInfo[]> {
    const network = backend.getExtension(backendId, "network");
    const tunnels: TunnelInfo[] = [];
    for (const declared of ports) {
      let target = { host: "127.0.0.1", port: declared.port };
      if (network) {
        const url = new URL(await network.getUrl(declared.port));
        target = { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80) };
      }
      const port = await this.#listen(target);
      tunnels.push({
        host: "127.0.0.1",
        port,
        containerPort: declared.port,
        ...(declared.unencrypted ? { unencryptedHost: target.host, unencryptedPort: target.port } : {}),
      });
    }
    return tunnels;
  }

  async #listen(target: { host: string; port: number }): Promise<number> {
    const server = tls.createServer({ cert: this.material.cert, key: this.material.key }, (socket) => {
      const upstream = net.connect(target.port, target.host);
      this.#sockets.add(socket);
      this.#sockets.add(upstream);
      socket.once("close", () => this.#sockets.delete(socket));
      upstream.once("close", () => this.#sockets.delete(upstream));
      socket.pipe(upstream).pipe(socket);
      // A peer that goes away ends the other side; errors only mean the connection is over.
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    server.on("tlsClientError", () => undefined);
    this.#servers.push(server);
    if (this.#closed) server.close();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** Stops listening; open connections are cut. */
  close(): void {
    this.#closed = true;
    for (const server of this.#servers) server.close();
    for (const socket of this.#sockets) socket.destroy();
  }
}
