import { Duplex, PassThrough } from "node:stream";
import { AgentConnection } from "../../src/agent/agent-connection.js";
import { encodeFrame, FieldWriter } from "../../src/agent/frame-codec.js";
import { Field, PROTOCOL_VERSION, Type } from "../../src/agent/protocol.js";

/**
 * An `AgentConnection` whose agent side is the test: `send` writes raw bytes as the agent
 * would, `received` collects what the host wrote. Lets tests play a hostile agent.
 */
export function fakeAgent(): {
  connection: AgentConnection;
  send: (bytes: Buffer) => void;
  hello: (version?: number) => void;
  received: () => Buffer;
} {
  const toHost = new PassThrough();
  const fromHost = new PassThrough();
  const chunks: Buffer[] = [];
  fromHost.on("data", (chunk: Buffer) => chunks.push(chunk));
  const socket = Duplex.from({ readable: toHost, writable: fromHost });
  const connection = new AgentConnection(socket, "local");
  return {
    connection,
    send: (bytes) => toHost.write(bytes),
    hello: (version = PROTOCOL_VERSION) =>
      toHost.write(
        encodeFrame(
          Type.hello,
          0,
          new FieldWriter().u32(Field.version, version).str(Field.agent, "fake").u32(Field.pid, 1).finish(),
        ),
      ),
    received: () => Buffer.concat(chunks),
  };
}

/** The frames the host sent, decoded: type, id and payload. */
export function framesIn(bytes: Buffer): { type: number; id: number; stream: number; payload: Buffer }[] {
  const frames = [];
  let offset = 0;
  while (offset + 12 <= bytes.byteLength) {
    const length = bytes.readUInt32LE(offset);
    frames.push({
      type: bytes[offset + 4] as number,
      stream: bytes.readUInt16LE(offset + 6),
      id: bytes.readUInt32LE(offset + 8),
      payload: bytes.subarray(offset + 12, offset + 4 + length),
    });
    offset += 4 + length;
  }
  return frames;
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
