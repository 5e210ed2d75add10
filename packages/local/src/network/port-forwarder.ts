import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { InternalError, InvalidArgumentError, UnsupportedError } from "@openlattice/core";
import { asSandboxError } from "../errors.js";
import { wrapInCgroups } from "../exec/cgroup-wrapper.js";

/** What a forwarder needs to reach into one sandbox's network namespace. */
export interface ForwarderTarget {
  readonly provider: string;
  readonly sandboxId: string;
  /** Host pid of a process inside the sandbox's network namespace. */
  readonly pid: number;
  readonly nsenter: string;
  readonly socat: string | undefined;
  /** cgroup files the forwarder joins, so destroying the sandbox also kills it. */
  readonly procsFiles: readonly string[];
  /** Directory for the bridge sockets. */
  readonly socketDir: string;
}

interface Route {
  readonly url: string;
  readonly server: net.Server;
  readonly bridge: ChildProcess;
  readonly socket: string;
  readonly connections: Set<net.Socket>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Unix socket paths must stay under 108 bytes; long state dirs fall back to the temp dir. */
function socketPath(dir: string, sandboxId: string, port: number): string {
  const preferred = path.join(dir, `port-${port}.sock`);
  if (Buffer.byteLength(preferred) < 100) return preferred;
  const key = createHash("sha256").update(`${dir}:${sandboxId}`).digest("hex").slice(0, 12);
  return path.join(os.tmpdir(), `ol-${key}-${port}.sock`);
}

/**
 * Exposes ports of a sandbox whose network namespace has only loopback, without giving it
 * egress: a host listener on 127.0.0.1:<ephemeral> pipes each connection into a Unix socket
 * served by `socat` running *inside the sandbox's netns only* (`nsenter -n`), which connects to
 * 127.0.0.1:<port> there. The sandbox gets no route out; only inbound connections cross.
 */
export class PortForwarder {
  private readonly routes = new Map<number, Promise<Route>>();
  private closed = false;

  constructor(private readonly target: ForwarderTarget) {}

  getUrl(port: number): Promise<string> {
    const { provider } = this.target;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return Promise.reject(new InvalidArgumentError("port", "must be an integer from 1 to 65535", { provider }));
    }
    if (!this.target.socat) {
      return Promise.reject(
        new UnsupportedError(
          "network",
          "network.getUrl needs socat on the host to bridge into the sandbox; install socat",
          {
            provider,
          },
        ),
      );
    }
    let route = this.routes.get(port);
    if (!route) {
      route = this.open(port, this.target.socat);
      this.routes.set(port, route);
      route.catch(() => this.routes.delete(port));
    }
    return route.then(
      (r) => r.url,
      (error: unknown) => {
        throw asSandboxError(error, `could not expose port ${port}`);
      },
    );
  }

  private async open(port: number, socat: string): Promise<Route> {
    const { provider } = this.target;
    const socket = socketPath(this.target.socketDir, this.target.sandboxId, port);
    rmSync(socket, { force: true });
    const argv = [
      this.target.nsenter,
      "-t",
      String(this.target.pid),
      "-n",
      "--",
      socat,
      `UNIX-LISTEN:${socket},fork,mode=600,unlink-early,backlog=512`,
      `TCP:127.0.0.1:${port}`,
    ];
    const wrapped = wrapInCgroups(this.target.procsFiles, argv);
    const bridge = spawn(wrapped.file, wrapped.args, { stdio: ["ignore", "ignore", "pipe"] });
    bridge.unref();
    let stderr = "";
    bridge.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    (bridge.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    let exited = false;
    bridge.on("exit", () => {
      exited = true;
    });
    for (let waited = 0; !existsSync(socket); waited += 2) {
      if (exited || waited > 5000 || this.closed) {
        bridge.kill("SIGKILL");
        throw new InternalError(`could not start the port bridge for ${port}: ${stderr.trim() || "timed out"}`, {
          provider,
        });
      }
      await sleep(2);
    }
    const connections = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(socket);
      connections.add(client);
      connections.add(upstream);
      client.on("close", () => connections.delete(client));
      upstream.on("close", () => connections.delete(upstream));
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop);
      upstream.on("error", drop);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    server.unref();
    const address = server.address() as net.AddressInfo;
    return { url: `http://127.0.0.1:${address.port}`, server, bridge, socket, connections };
  }

  /** Stops every listener and bridge and removes the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    const routes = await Promise.allSettled(this.routes.values());
    this.routes.clear();
    for (const result of routes) {
      if (result.status !== "fulfilled") continue;
      const route = result.value;
      const closing = new Promise<void>((resolve) => route.server.close(() => resolve()));
      for (const connection of route.connections) connection.destroy();
      await closing;
      route.bridge.kill("SIGKILL");
      rmSync(route.socket, { force: true });
    }
  }
}
