import os from "node:os";
import {
  CapacityError,
  InvalidArgumentError,
  NotFoundError,
  type ProcessAttachOptions,
  type ProcessesExtension,
  type ProcessHandle,
  type ProcessInfo,
  parseProcessStart,
} from "@openlattice/core";
import type { AgentConnection } from "../agent/agent-connection.js";
import { startError } from "../agent/agent-exec.js";
import { ProcessFollower, ProcessRefused } from "../agent/agent-process.js";
import { encodeFrame, Fields, FieldWriter, ProtocolViolation } from "../agent/frame-codec.js";
import { ErrorKind, Field, FLAG_FIN, MAX_REQUEST_FRAME, StdinMode, Type } from "../agent/protocol.js";

/** Most processes one `list` accepts from the agent (it keeps 1024 live and 64 finished). */
const MAX_LISTED = 2048;

/** How a sandbox's processes reach its agent. */
export interface ProcessesBinding {
  readonly connection: () => AgentConnection;
  /** The environment every command gets (the sandbox's); a call's env is laid over it. */
  readonly baseEnv: () => Readonly<Record<string, string>>;
  readonly provider: string;
  readonly capabilities: { readonly pty: boolean };
  /** The error for a connection that died: the sandbox's `terminated`, when it ended. */
  readonly ended: (error: unknown) => unknown;
}

/**
 * Background processes through the agent: START with BACKGROUND keeps the process in the
 * agent's table with a ring of its recent output, so it runs on with nobody following, and any
 * handle (`attach`) can replay and follow it. Processes end with the sandbox.
 */
export function createProcessesExtension(binding: ProcessesBinding): ProcessesExtension {
  const { provider } = binding;
  const context = () => ({ connection: binding.connection(), provider, ended: binding.ended });

  const start = async (argv: readonly string[], options?: unknown): Promise<ProcessHandle> => {
    const request = parseProcessStart(argv, options, provider, binding.capabilities);
    const fields = new FieldWriter();
    for (const arg of request.argv) fields.str(Field.arg, arg);
    for (const [name, value] of Object.entries({ ...binding.baseEnv(), ...request.env })) {
      fields.str(Field.env, `${name}=${value}`);
    }
    if (request.cwd !== undefined) fields.str(Field.cwd, request.cwd);
    if (request.timeoutMs !== undefined) fields.u64(Field.timeoutMs, request.timeoutMs);
    fields.u32(Field.stdin, StdinMode.pipe).u32(Field.background, 1);
    if (request.pty) fields.u32(Field.cols, request.pty.cols).u32(Field.rows, request.pty.rows);
    if (fields.byteLength > MAX_REQUEST_FRAME - 64) {
      throw new InvalidArgumentError("env", `argv and env together exceed ${MAX_REQUEST_FRAME} bytes`, { provider });
    }
    const follower = new ProcessFollower(context(), { ...request, pty: request.pty !== undefined });
    try {
      await follower.begin(fields.finish(), Type.start);
    } catch (error) {
      if (error instanceof ProcessRefused) throw startError(error.failure, request, provider);
      throw error;
    }
    if (request.stdin && request.stdin.byteLength > 0) await follower.write(request.stdin);
    return follower;
  };

  const attach = async (pid: number, options?: ProcessAttachOptions): Promise<ProcessHandle> => {
    if (!Number.isInteger(pid) || pid <= 0 || pid > 0xffff_ffff) {
      throw new InvalidArgumentError("pid", "must be a positive integer from processes.start or processes.list", {
        provider,
      });
    }
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new InvalidArgumentError("options", "must be an object", { provider });
    }
    const follower = new ProcessFollower(context(), options ?? {});
    const fields = new FieldWriter().u32(Field.pid, pid).u32(Field.fromStart, options?.fromStart ? 1 : 0);
    try {
      return await follower.begin(fields.finish(), Type.attach);
    } catch (error) {
      if (!(error instanceof ProcessRefused)) throw error;
      if (error.failure.kind === ErrorKind.limit) {
        throw new CapacityError(`process ${pid} has too many followers; detach one first`, { provider });
      }
      throw new NotFoundError(`the sandbox has no process ${pid} (or it was forgotten)`, {
        provider,
        details: { pid },
      });
    }
  };

  const list = (): Promise<ProcessInfo[]> => {
    const connection = binding.connection();
    return new Promise<ProcessInfo[]>((resolve, reject) => {
      const found: ProcessInfo[] = [];
      const id = connection.open({
        onFrame: (frame) => {
          if (frame.type !== Type.process) throw new ProtocolViolation("unexpected frame for a process list");
          if (frame.payload.byteLength > 0) found.push(readInfo(frame.payload));
          if (found.length > MAX_LISTED) throw new ProtocolViolation("too many processes listed");
          if (!(frame.flags & FLAG_FIN)) return;
          connection.release(id);
          resolve(found.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.pid - b.pid));
        },
        onClose: (error) => reject(binding.ended(error)),
      });
      connection.send(encodeFrame(Type.plist, id));
    });
  };

  return { start: (argv, options) => start(argv, options), list, attach };
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(os.constants.signals).map(([n, v]) => [v as number, n]));

function readInfo(payload: Uint8Array): ProcessInfo {
  const fields = new Fields(payload).only([
    Field.pid,
    Field.startedMs,
    Field.pty,
    Field.arg,
    Field.exitCode,
    Field.signal,
    Field.endedMs,
  ]);
  const pid = fields.u32(Field.pid);
  const startedMs = fields.u64(Field.startedMs);
  if (!pid || startedMs === undefined) throw new ProtocolViolation("a process entry needs a pid and a start time");
  const argv = fields.all(Field.arg).map((raw) => Buffer.from(raw).toString("utf8"));
  const code = fields.u32(Field.exitCode);
  const signal = fields.u32(Field.signal);
  const endedMs = fields.u64(Field.endedMs);
  if ((code !== undefined || signal !== undefined) !== (endedMs !== undefined)) {
    throw new ProtocolViolation("a finished process needs an exit status and an end time");
  }
  if ((code ?? 0) > 255 || (signal ?? 0) > 127) throw new ProtocolViolation("bad exit status");
  return {
    pid,
    argv,
    startedAt: new Date(startedMs),
    state: endedMs === undefined ? "running" : "exited",
    pty: fields.u32(Field.pty) === 1,
    ...(endedMs === undefined
      ? {}
      : {
          exitCode: code ?? 128 + (signal as number),
          ...(signal === undefined ? {} : { signal: signalName(signal) }),
          endedAt: new Date(endedMs),
        }),
  };
}

function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}
