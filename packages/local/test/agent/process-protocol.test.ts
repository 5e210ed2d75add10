/**
 * The host side of the background-process, list and watch frames treats the agent as hostile:
 * a malformed STARTED, output before STARTED or flagged FIN, a list entry that contradicts
 * itself or an unknown watch event ends the connection with a typed error.
 */
import { isSandboxError } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { openWatch } from "../../src/agent/agent-watch.js";
import { encodeFrame, Fields, FieldWriter } from "../../src/agent/frame-codec.js";
import { Field, Stream, Type } from "../../src/agent/protocol.js";
import { createProcessesExtension } from "../../src/processes/processes-extension.js";
import { fakeAgent, framesIn, tick } from "./fake-agent.js";

function setup() {
  const agent = fakeAgent();
  agent.hello();
  const processes = createProcessesExtension({
    connection: () => agent.connection,
    baseEnv: () => ({ PATH: "/bin" }),
    provider: "local",
    capabilities: { pty: true },
    ended: (error) => error,
  });
  return { agent, processes };
}

const internal = (error: unknown) => isSandboxError(error) && error.code === "internal";

describe("process frames, host side", () => {
  it("sends START with BACKGROUND and the terminal size, and reads STARTED's pid", async () => {
    const { agent, processes } = setup();
    const starting = processes.start(["sh", "-i"], { pty: true, cols: 100, rows: 30 });
    await tick();
    const start = framesIn(agent.received()).find((f) => f.type === Type.start);
    expect(start).toBeDefined();
    const fields = new Fields(start!.payload);
    expect(fields.u32(Field.background)).toBe(1);
    expect([fields.u32(Field.cols), fields.u32(Field.rows)]).toEqual([100, 30]);
    agent.send(encodeFrame(Type.started, start!.id, new FieldWriter().u32(Field.pid, 42).finish()));
    const handle = await starting;
    expect(handle.pid).toBe(42);
  });

  it("ends the connection on a STARTED without a pid", async () => {
    const { agent, processes } = setup();
    const starting = processes.start(["true"]);
    await tick();
    const start = framesIn(agent.received()).find((f) => f.type === Type.start)!;
    agent.send(encodeFrame(Type.started, start.id, new FieldWriter().finish()));
    await expect(starting).rejects.toSatisfy(internal);
    expect(agent.connection.isOpen).toBe(false);
  });

  it("ends the connection on output before STARTED, or with FIN", async () => {
    for (const flags of [0, 1]) {
      const { agent, processes } = setup();
      const starting = processes.start(["yes"]);
      await tick();
      const start = framesIn(agent.received()).find((f) => f.type === Type.start)!;
      if (flags) agent.send(encodeFrame(Type.started, start.id, new FieldWriter().u32(Field.pid, 7).finish()));
      const handle = flags ? await starting : undefined;
      const waiting = (handle ? handle.wait() : starting).catch((error: unknown) => error);
      agent.send(encodeFrame(Type.data, start.id, Buffer.from("y\n"), Stream.out, flags));
      expect(internal(await waiting)).toBe(true);
      expect(agent.connection.isOpen).toBe(false);
    }
  });

  it("ends the connection on a list entry that is exited without an end time", async () => {
    const { agent, processes } = setup();
    const listing = processes.list();
    await tick();
    const request = framesIn(agent.received()).find((f) => f.type === Type.plist)!;
    const entry = new FieldWriter().u32(Field.pid, 5).u64(Field.startedMs, Date.now()).u32(Field.exitCode, 0).finish();
    agent.send(encodeFrame(Type.process, request.id, entry));
    await expect(listing).rejects.toSatisfy(internal);
  });

  it("ends the connection on a watch event of an unknown kind", async () => {
    const agent = fakeAgent();
    agent.hello();
    const watching = openWatch(agent.connection, "/w", false, undefined, (error) => error);
    await tick();
    const request = framesIn(agent.received()).find((f) => f.type === Type.watch)!;
    agent.send(encodeFrame(Type.ok, request.id));
    const events = await watching;
    const iterator = events[Symbol.asyncIterator]();
    const next = iterator.next().catch((error: unknown) => error);
    agent.send(
      encodeFrame(Type.event, request.id, new FieldWriter().u32(Field.type, 9).str(Field.path, "/w/x").finish()),
    );
    await tick();
    expect(agent.connection.isOpen).toBe(false);
    expect(await next).toMatchObject({ done: true });
  });
});
