import net from "node:net";
import { InvalidArgumentError } from "@openlattice/core";
import type { AgentConnection } from "../agent/agent-connection.js";
import { InboundWindow } from "../agent/agent-connection.js";
import { encodeData, encodeFrame, FieldWriter, type Frame, ProtocolViolation } from "../agent/frame-codec.js";
import { Field, FLAG_FIN, MAX_DATA_PAYLOAD, Stream, Type } from "../agent/protocol.js";
import { asSandboxError } from "../errors.js";

interface Route {
  readonly url: string;
  readonly server: net.Server;
  readonly clients: Set<net.Socket>;
}

/**
 * Exposes ports of a sandbox whose network namespace has only loopback, without giving it
 * egress: a host listener on 127.0.0.1:<ephemeral> hands each connection to the agent, which
 * connects to 127.0.0.1:<port> inside the sandbox and relays bytes both ways under credit.
 * No helper process, no nsenter, works rootless; the sandbox gets no route out.
 */
export class PortRelay {
  private readonly routes = new Map<number, Promise<Route>>();
  private closed = false;

  constructor(
    private readonly connection: () => AgentConnection,
    private readonly provider: string,
  ) {}

  getUrl(port: number): Promise<string> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return Promise.reject(
        new InvalidArgumentError("port", "must be an integer from 1 to 65535", { provider: this.provider }),
      );
    }
    let route = this.routes.get(port);
    if (!route) {
      route = this.listen(port);
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

  private async listen(port: number): Promise<Route> {
    const clients = new Set<net.Socket>();
    const server = net.createServer((client) => {
      clients.add(client);
      client.on("close", () => clients.delete(client));
      this.relay(client, port);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    server.unref();
    const address = server.address() as net.AddressInfo;
    return { url: `http://127.0.0.1:${address.port}`, server, clients };
  }

  /** One connection: CONNECT, then bytes both ways; either side closing ends it. */
  private relay(client: net.Socket, port: number): void {
    let connection: AgentConnection;
    try {
      connection = this.connection();
    } catch {
      client.destroy();
      return;
    }
    let credit = 0;
    const pending: Buffer[] = [];
    let clientEnded = false;
    let finished = false;
    let window: InboundWindow | undefined;
    const finish = (reset: boolean) => {
      if (finished) return;
      finished = true;
      if (reset) connection.send(encodeFrame(Type.close, id));
      connection.release(id);
      client.destroy();
    };
    const flush = () => {
      while (pending.length > 0 && credit > 0) {
        const chunk = pending[0] as Buffer;
        const part = chunk.subarray(0, Math.min(credit, MAX_DATA_PAYLOAD));
        if (part.byteLength === chunk.byteLength) pending.shift();
        else pending[0] = chunk.subarray(part.byteLength);
        credit -= part.byteLength;
        connection.send(...encodeData(id, Stream.in, part, false));
      }
      if (pending.length === 0 && clientEnded) connection.send(...encodeData(id, Stream.in, new Uint8Array(), true));
      // Backpressure towards the client: stop reading it while the agent has no room.
      if (pending.length > 0) client.pause();
      else if (!clientEnded) client.resume();
    };
    const onFrame = (frame: Frame) => {
      switch (frame.type) {
        case Type.ok:
          return;
        case Type.credit:
          if (frame.stream !== Stream.in || frame.payload.byteLength !== 4) throw new ProtocolViolation("bad credit");
          credit += Buffer.from(frame.payload.buffer, frame.payload.byteOffset, 4).readUInt32LE(0);
          return flush();
        case Type.data: {
          if (frame.stream !== Stream.out) throw new ProtocolViolation("bad relay data");
          window ??= new InboundWindow(connection, id, Stream.out);
          window.receive(frame.payload.byteLength);
          const bytes = frame.payload.byteLength;
          if (bytes > 0 && !client.write(frame.payload)) {
            // The client is slow: hold the credit back until it drained.
            client.once("drain", () => window?.consumed(bytes));
          } else {
            window.consumed(bytes);
          }
          if (frame.flags & FLAG_FIN) client.end();
          return;
        }
        case Type.error:
          return finish(false);
        default:
          throw new ProtocolViolation(`unexpected frame ${frame.type} for a port relay`);
      }
    };
    const id = connection.open({ onFrame, onClose: () => finish(false) });
    client.on("data", (chunk: Buffer) => {
      pending.push(chunk);
      flush();
    });
    client.on("end", () => {
      clientEnded = true;
      flush();
    });
    client.on("error", () => finish(true));
    client.on("close", () => {
      if (!finished) finish(true);
    });
    client.pause();
    connection.send(encodeFrame(Type.connect, id, new FieldWriter().u32(Field.port, port).finish()));
  }

  /** Stops every listener and drops their connections. */
  async close(): Promise<void> {
    this.closed = true;
    const routes = await Promise.allSettled(this.routes.values());
    this.routes.clear();
    await Promise.all(
      routes.map(async (result) => {
        if (result.status !== "fulfilled") return;
        const closing = new Promise<void>((resolve) => result.value.server.close(() => resolve()));
        for (const client of result.value.clients) client.destroy();
        await closing;
      }),
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
