/**
 * The host side of the agent protocol treats every frame as hostile: these tests play an agent
 * that sends malformed, oversized or out-of-credit frames and check that the host ends the
 * connection with a typed error (never a crash, never unbounded memory), and that a
 * well-formed stream is decoded exactly however the socket splits it.
 */
import { isSandboxError, parseExecRequest } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { InboundWindow } from "../../src/agent/agent-connection.js";
import { execThroughAgent } from "../../src/agent/agent-exec.js";
import { readFile } from "../../src/agent/agent-files.js";
import { encodeFrame, FieldWriter, type Frame } from "../../src/agent/frame-codec.js";
import { FrameReader } from "../../src/agent/frame-reader.js";
import { Field, FLAG_FIN, MAX_AGENT_FRAME, OUTPUT_WINDOW, Stream, Type } from "../../src/agent/protocol.js";
import { fakeAgent, framesIn, tick } from "./fake-agent.js";

const exitFrame = (id: number, fields: FieldWriter) => encodeFrame(Type.exit, id, fields.finish());

describe("agent protocol, host side", () => {
  it("decodes the same frames whatever the read boundaries, DATA in order and without loss", () => {
    const payload = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const stream = Buffer.concat([
      encodeFrame(Type.data, 7, payload, Stream.out),
      encodeFrame(Type.ok, 8, new FieldWriter().u32(Field.mode, 0o644).finish()),
      encodeFrame(Type.data, 7, payload.subarray(0, 10), Stream.err, FLAG_FIN),
    ]);
    for (const size of [1, 2, 5, 11, 12, 13, 100, 1024, stream.byteLength]) {
      const frames: Frame[] = [];
      const reader = new FrameReader((frame) => frames.push({ ...frame, payload: Buffer.from(frame.payload) }));
      for (let offset = 0; offset < stream.byteLength; offset += size)
        reader.push(stream.subarray(offset, offset + size));
      const out = Buffer.concat(
        frames.filter((f) => f.type === Type.data && f.stream === Stream.out).map((f) => f.payload),
      );
      expect(out.equals(payload), `chunk size ${size}`).toBe(true);
      const ok = frames.filter((f) => f.type === Type.ok);
      expect(ok).toHaveLength(1);
      expect(ok[0]?.payload.byteLength).toBe(10);
      const err = frames.filter((f) => f.stream === Stream.err);
      expect(Buffer.concat(err.map((f) => f.payload)).byteLength).toBe(10);
      // FIN only on the last part of a split frame.
      expect(err.filter((f) => f.flags & FLAG_FIN)).toHaveLength(1);
      expect(err.at(-1)?.flags).toBe(FLAG_FIN);
    }
  });

  it("refuses a frame longer than the limit before buffering it", () => {
    const reader = new FrameReader(() => {});
    const header = Buffer.alloc(12);
    header.writeUInt32LE(MAX_AGENT_FRAME + 1, 0);
    expect(() => reader.push(header)).toThrow(/out of bounds/);
    const tiny = Buffer.alloc(12);
    tiny.writeUInt32LE(3, 0);
    expect(() => new FrameReader(() => {}).push(tiny)).toThrow(/out of bounds/);
  });

  it.each([
    ["a first frame that is not HELLO", () => encodeFrame(Type.ok, 0)],
    ["a HELLO of another protocol version", () => undefined],
    ["an unknown frame type", () => encodeFrame(0x7e, 1)],
    ["a field that overruns its frame", () => encodeFrame(Type.log, 0, Buffer.from([52, 0, 255, 255, 0, 0]))],
  ])("ends the connection typed on %s", async (_what, frame) => {
    const agent = fakeAgent();
    if (_what.includes("version")) agent.hello(99);
    else {
      if (!_what.includes("first")) agent.hello();
      agent.send(frame() as Buffer);
    }
    const closed = new Promise<unknown>((resolve) => agent.connection.onClose(resolve));
    const error = await closed;
    expect(isSandboxError(error) && error.code).toBe("internal");
    expect((error as Error).message).toMatch(/broke the protocol/);
    expect(agent.connection.isOpen).toBe(false);
  });

  it("a stream whose consumer is slow holds credit back, and the agent may not exceed the window", () => {
    const agent = fakeAgent();
    const window = new InboundWindow(agent.connection, 5, Stream.out);
    // Received but not consumed (a slow port-relay client): the window fills, then it is a violation.
    window.receive(OUTPUT_WINDOW);
    expect(() => window.receive(1)).toThrow(/more than its credit/);
    // Consumption returns credit to the agent, in quarter-window steps.
    const fresh = new InboundWindow(agent.connection, 6, Stream.out);
    fresh.receive(OUTPUT_WINDOW);
    fresh.consumed(OUTPUT_WINDOW / 4);
    fresh.receive(OUTPUT_WINDOW / 4);
    expect(() => fresh.receive(1)).toThrow(/more than its credit/);
  });

  it("grants credit back as output is consumed, so a well-behaved agent streams without limit", async () => {
    const agent = fakeAgent();
    agent.hello();
    await agent.connection.hello;
    let seen = 0;
    const running = execThroughAgent(agent.connection, {
      request: parseExecRequest(["yes"], {
        onStdoutBytes: (chunk: Uint8Array) => (seen += chunk.byteLength),
        maxOutputBytes: 0,
      }),
      env: {},
      provider: "local",
    });
    await tick();
    const id = framesIn(agent.received()).find((f) => f.type === Type.start)?.id as number;
    const chunk = Buffer.alloc(128 * 1024, 1);
    let credit = OUTPUT_WINDOW;
    let total = 0;
    let granted = 0;
    while (total < 8 * OUTPUT_WINDOW) {
      while (credit >= chunk.byteLength) {
        agent.send(encodeFrame(Type.data, id, chunk, Stream.out));
        credit -= chunk.byteLength;
        total += chunk.byteLength;
      }
      await tick();
      const grants = framesIn(agent.received()).filter((f) => f.type === Type.credit && f.stream === Stream.out);
      const sum = grants.reduce((acc, f) => acc + f.payload.readUInt32LE(0), 0);
      credit += sum - granted;
      granted = sum;
    }
    agent.send(exitFrame(id, new FieldWriter().u32(Field.exitCode, 0)));
    const result = await running;
    expect(seen).toBe(total);
    expect(result.truncated).toBe(true);
    expect(result.stdoutBytes.byteLength).toBe(0);
  });

  it("rejects an EXIT that claims both an exit code and a signal", async () => {
    const agent = fakeAgent();
    agent.hello();
    await agent.connection.hello;
    const running = execThroughAgent(agent.connection, {
      request: parseExecRequest(["true"], {}),
      env: {},
      provider: "local",
    });
    await tick();
    const id = framesIn(agent.received()).find((f) => f.type === Type.start)?.id as number;
    agent.send(exitFrame(id, new FieldWriter().u32(Field.exitCode, 0).u32(Field.signal, 9)));
    await expect(running).rejects.toMatchObject({ code: "internal", message: expect.stringMatching(/exactly one/) });
  });

  it("a read that returns more bytes than were asked for is cut off, whatever size the agent claimed", async () => {
    const agent = fakeAgent();
    agent.hello();
    await agent.connection.hello;
    const reading = readFile(agent.connection, "/f", 100);
    await tick();
    const id = framesIn(agent.received()).find((f) => f.type === Type.read)?.id as number;
    agent.send(encodeFrame(Type.data, id, Buffer.alloc(200), Stream.out, FLAG_FIN));
    await expect(reading).rejects.toMatchObject({ code: "internal" });
  });

  it("env and argv travel only inside the START frame, as data", async () => {
    const agent = fakeAgent();
    agent.hello();
    await agent.connection.hello;
    void execThroughAgent(agent.connection, {
      request: parseExecRequest(["printenv", "TOKEN"], { env: { TOKEN: "v a=l\nue" } }),
      env: { TOKEN: "v a=l\nue", "A B": "c" },
      provider: "local",
    }).catch(() => {});
    await tick();
    const start = framesIn(agent.received()).find((f) => f.type === Type.start);
    const text = start?.payload.toString("utf8") ?? "";
    expect(text).toContain("TOKEN=v a=l\nue");
    expect(text).toContain("A B=c");
    agent.connection.fail(new Error("done"));
  });
});
