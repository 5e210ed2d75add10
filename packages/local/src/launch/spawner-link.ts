import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { InternalError } from "@openlattice/core";
import { readFailure } from "../agent/agent-errors.js";
import { encodeFrame, Fields, FieldWriter, type Frame, ProtocolViolation } from "../agent/frame-codec.js";
import { FrameReader } from "../agent/frame-reader.js";
import { Field } from "../agent/protocol.js";
import { queuedSpawn } from "./spawn-queue.js";

/** Spawner frame types (see agent/src/protocol.h). */
const SPAWN = 0x50;
const SPAWNED = 0x51;
const EXITED = 0x52;
const SIGNAL = 0x53;
const ERROR = 0x13;

/** What the spawner says about one process it started. */
export interface SpawnWatch {
  onSpawned(pid: number): void;
  onExited(code: number | undefined, signal: number | undefined, stderr: string): void;
  onFailed(error: Error): void;
}

/**
 * The host end of `openlattice-agent spawner`: the one process this orchestrator spawns itself.
 * Every sandbox is then started by a SPAWN frame, so a burst of provisions never forks the
 * Node process (which blocks its event loop until each child has exec'd).
 */
export class SpawnerLink {
  private readonly watches = new Map<number, SpawnWatch>();
  private nextId = 1;
  private dead: Error | undefined;

  private constructor(
    readonly child: ChildProcess,
    private readonly socket: Socket,
    private readonly provider: string,
  ) {
    const reader = new FrameReader((frame) => this.dispatch(frame));
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => this.fail(new InternalError("the sandbox spawner exited", { provider })));
    child.on("error", (error) => this.fail(error));
    child.unref();
    socket.unref();
  }

  static async start(agentBinary: string, provider: string): Promise<SpawnerLink> {
    const child = await queuedSpawn(agentBinary, ["spawner"], {
      env: {},
      cwd: "/",
      stdio: ["ignore", "ignore", "ignore", "pipe"],
      detached: true,
    });
    return new SpawnerLink(child, child.stdio[3] as Socket, provider);
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Starts `argv` (argv[0] is a path) with an empty environment; `watch` hears what happens. */
  spawn(argv: readonly string[], cwd: string, watch: SpawnWatch): number {
    if (this.dead) {
      watch.onFailed(this.dead);
      return 0;
    }
    const id = this.nextId++;
    this.watches.set(id, watch);
    if (this.watches.size === 1) this.socket.ref();
    const fields = new FieldWriter();
    for (const arg of argv) fields.str(Field.arg, arg);
    fields.str(Field.cwd, cwd);
    this.socket.write(encodeFrame(SPAWN, id, fields.finish()));
    return id;
  }

  /** Sends `signal` to a process the spawner started and has not reaped (so never to a recycled pid). */
  signal(id: number, signal = 9): void {
    if (!this.dead && this.watches.has(id)) {
      this.socket.write(encodeFrame(SIGNAL, id, new FieldWriter().u32(Field.signum, signal).finish()));
    }
  }

  private forget(id: number): void {
    if (this.watches.delete(id) && this.watches.size === 0) this.socket.unref();
  }

  private dispatch(frame: Frame): void {
    const watch = this.watches.get(frame.id);
    if (!watch) throw new ProtocolViolation(`spawner frame for unknown id ${frame.id}`);
    if (frame.type === SPAWNED) {
      const pid = new Fields(frame.payload).only([Field.pid]).u32(Field.pid);
      if (!pid) throw new ProtocolViolation("SPAWNED without a pid");
      watch.onSpawned(pid);
      return;
    }
    if (frame.type === EXITED) {
      const fields = new Fields(frame.payload).only([Field.exitCode, Field.signal, Field.message]);
      this.forget(frame.id);
      const stderr = (fields.str(Field.message, 4096) ?? "").replace(/[^\x20-\x7e\n]/g, "?");
      watch.onExited(fields.u32(Field.exitCode), fields.u32(Field.signal), stderr);
      return;
    }
    if (frame.type === ERROR) {
      const failure = readFailure(frame);
      this.forget(frame.id);
      watch.onFailed(
        new InternalError(`the spawner could not start a sandbox: ${failure.code ?? failure.message ?? "error"}`, {
          provider: this.provider,
        }),
      );
      return;
    }
    throw new ProtocolViolation(`unexpected spawner frame ${frame.type}`);
  }

  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    this.socket.destroy();
    const watches = [...this.watches.values()];
    this.watches.clear();
    for (const watch of watches) watch.onFailed(error);
  }
}
