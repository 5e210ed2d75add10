import path from "node:path";
import type { CallContext } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import { backendExecRunner } from "./backend-exec.js";
import type { EmulatorCore } from "./emulator-core.js";
import { type ExecExit, ExecSession } from "./exec-session.js";
import { captureFilesystem } from "./filesystem-snapshot.js";
import { FS_TOOLS_PATH, fsToolsRunner } from "./fs-tools.js";
import { prefixedId } from "./ids.js";
import type {
  DeepPartial,
  TaskExecIdRequest,
  TaskExecPollResponse,
  TaskExecStartRequest,
  TaskExecStartResponse,
  TaskExecStdinStatusResponse,
  TaskExecStdinWriteRequest,
  TaskExecStdinWriteResponse,
  TaskExecStdinWriteStreamRequest,
  TaskExecStdioReadRequest,
  TaskExecStdioReadResponse,
  TaskExecWaitResponse,
  TaskSnapshotFilesystemRequest,
  TaskSnapshotFilesystemResponse,
} from "./protocol-types.js";
import { toServerError } from "./to-server-error.js";

/** How long a finished exec's output stays readable. */
const EXEC_RETENTION_MS = 120_000;

/** `TASK_EXEC_STDOUT_CONFIG_DEVNULL` / `TASK_EXEC_STDERR_CONFIG_DEVNULL`. */
const DEVNULL = 0;

/** The router methods the emulator implements, typed against the SDK's router messages. */
export interface RouterHandlers {
  taskExecStart(request: TaskExecStartRequest, context: CallContext): Promise<DeepPartial<TaskExecStartResponse>>;
  taskExecStdioRead(
    request: TaskExecStdioReadRequest,
    context: CallContext,
  ): AsyncIterable<DeepPartial<TaskExecStdioReadResponse>>;
  taskExecStdinWrite(
    request: TaskExecStdinWriteRequest,
    context: CallContext,
  ): Promise<DeepPartial<TaskExecStdinWriteResponse>>;
  taskExecStdinWriteStream(
    requests: AsyncIterable<TaskExecStdinWriteStreamRequest>,
    context: CallContext,
  ): Promise<Record<string, never>>;
  taskExecStdinStatus(
    request: TaskExecIdRequest,
    context: CallContext,
  ): Promise<DeepPartial<TaskExecStdinStatusResponse>>;
  taskExecPoll(request: TaskExecIdRequest, context: CallContext): Promise<DeepPartial<TaskExecPollResponse>>;
  taskExecWait(request: TaskExecIdRequest, context: CallContext): Promise<DeepPartial<TaskExecWaitResponse>>;
  taskSnapshotFilesystem(
    request: TaskSnapshotFilesystemRequest,
    context: CallContext,
  ): Promise<DeepPartial<TaskSnapshotFilesystemResponse>>;
  sandboxWaitUntilReady(request: { taskId?: string }, context: CallContext): Promise<Record<string, never>>;
}

export function createRouterHandlers(core: EmulatorCore): RouterHandlers {
  const session = (request: { taskId?: string; execId?: string }): ExecSession => {
    const sandbox = core.tasks.get(request.taskId ?? "");
    const exec = sandbox?.execs.get(request.execId ?? "");
    if (!exec) throw new ServerError(Status.NOT_FOUND, `Exec ${request.execId ?? ""} not found`);
    return exec;
  };
  const exitMessage = (exit: ExecExit | undefined) => (exit === undefined ? {} : { ...exit });

  return {
    async taskExecStart(request) {
      const sandbox = core.task(request.taskId);
      await sandbox.ready;
      const live = core.task(request.taskId);
      if (!live.backendId) throw new ServerError(Status.FAILED_PRECONDITION, "Sandbox is not running");
      // The same execId again is a client retry of a start that already happened.
      if (sandbox.execs.has(request.execId)) return {};
      if (request.ptyInfo) {
        throw new ServerError(
          Status.UNIMPLEMENTED,
          "the openlattice Modal emulator does not support PTY execs (pty: true); run without a PTY",
        );
      }
      const argv = request.commandArgs;
      const runner =
        argv[0] === FS_TOOLS_PATH
          ? fsToolsRunner(core.backend.getExtension(live.backendId, "files"), argv[1] ?? "{}")
          : backendExecRunner(core.backend, live.backendId, {
              execId: request.execId,
              argv,
              env: await execEnv(core, request),
              workdir: request.workdir,
              timeoutSecs: request.timeoutSecs,
              stdoutPiped: request.stdoutConfig !== DEVNULL,
              stderrPiped: request.stderrConfig !== DEVNULL,
            });
      const ended = live.execStarted();
      const exec = new ExecSession(request.execId, runner);
      sandbox.execs.set(request.execId, exec);
      // Output is kept for readers that reconnect from an offset; drop it a while after the end.
      void exec
        .wait()
        .catch(() => undefined)
        .finally(() => {
          ended();
          const timer = setTimeout(() => sandbox.execs.delete(request.execId), EXEC_RETENTION_MS);
          timer.unref();
        });
      return {};
    },

    async *taskExecStdioRead(request, context) {
      const exec = session(request);
      const buffer = request.fileDescriptor === 1 ? exec.stderr : exec.stdout;
      for await (const data of buffer.read(request.offset, context.signal)) yield { data };
    },

    async taskExecStdinWrite(request) {
      writeStdin(session(request), request.offset, request.data, request.eof);
      return {};
    },

    async taskExecStdinWriteStream(requests) {
      let exec: ExecSession | undefined;
      let offset = 0;
      for await (const message of requests) {
        if (message.start) {
          exec = session(message.start);
          offset = message.start.offset;
        } else if (message.data && exec) {
          writeStdin(exec, offset, message.data, false);
          offset += message.data.byteLength;
        } else if (message.end && exec) {
          writeStdin(exec, offset, undefined, true);
        }
      }
      return {};
    },

    async taskExecStdinStatus(request) {
      const exec = session(request);
      return { numBytesWritten: exec.stdin.bytes, closed: exec.stdin.closed };
    },

    async taskExecPoll(request) {
      const exec = session(request);
      return exitMessage(toStatus(() => exec.poll()));
    },

    async taskExecWait(request, context) {
      const exec = session(request);
      try {
        return exitMessage(await exec.wait(context.signal));
      } catch (error) {
        // The sandbox ended under the exec (terminated, timed out): say so as the router does.
        const sandbox = core.tasks.get(request.taskId);
        if (sandbox && !sandbox.running) {
          throw new ServerError(Status.FAILED_PRECONDITION, `Sandbox ${sandbox.sandboxId} has already finished`);
        }
        throw toServerError(error);
      }
    },

    async taskSnapshotFilesystem(request, context) {
      const sandbox = core.task(request.taskId);
      await sandbox.ready;
      if (!sandbox.backendId) throw new ServerError(Status.FAILED_PRECONDITION, "Sandbox is not running");
      const imageId = prefixedId("im");
      const source = core.images.get(sandbox.imageId);
      const base = {
        imageId,
        dockerfileCommands: [],
        ...(source?.tag === undefined ? {} : { tag: source.tag }),
        ttlSeconds: request.ttlSeconds,
      };
      try {
        if (core.backend.capabilities.isolation === "none") {
          // The sandbox shares the host's filesystem: only the backend knows what is its own.
          core.images.set(imageId, { ...base, backendSnapshot: await core.backend.snapshot(sandbox.backendId) });
        } else {
          const file = path.join(core.stateDir, `${imageId}.tar`);
          // The SDK cancels the call at its snapshot timeout; the capture stops with it.
          await captureFilesystem(core.backend, sandbox.backendId, file, context.signal);
          core.images.set(imageId, { ...base, snapshotFile: file });
        }
      } catch (error) {
        throw toServerError(error);
      }
      return { imageId };
    },

    async sandboxWaitUntilReady(request) {
      const sandbox = core.task(request.taskId);
      await sandbox.ready;
      return {};
    },
  };
}

/** Environment of one exec: inline `secretSources` env and referenced secrets. */
async function execEnv(core: EmulatorCore, request: TaskExecStartRequest): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const source of request.secretSources ?? []) {
    if (source.secretId) Object.assign(env, core.secrets.get(source.secretId) ?? {});
    Object.assign(env, source.env?.contents ?? {});
  }
  return env;
}

/** Accepts stdin at an offset; a write the queue refuses (a gap, after EOF) is the client's error. */
function writeStdin(exec: ExecSession, offset: number, data: Uint8Array | undefined, eof: boolean): void {
  try {
    exec.stdin.write(offset, data, eof);
  } catch (error) {
    throw new ServerError(Status.INVALID_ARGUMENT, (error as Error).message);
  }
}

function toStatus<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw toServerError(error);
  }
}
