import type { ExecOptions, Provider } from "@openlattice/core";
import type { CallContext } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import type { EmulatedSandbox } from "./emulated-sandbox.js";
import type { EmulatorCore } from "./emulator-core.js";
import { type ExecExit, type ExecRunner, ExecSession } from "./exec-session.js";
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
      if (sandbox.execs.has(request.execId)) return {};
      const argv = request.commandArgs;
      const isFsTool = argv[0] === FS_TOOLS_PATH;
      const runner = isFsTool
        ? fsToolsRunner(core.backend.getExtension(live.backendId, "files"), argv[1] ?? "{}")
        : backendRunner(core.backend, live, request, await execEnv(core, request));
      const writes = isFsTool && (argv[1] ?? "").includes('"WriteFile"');
      const exec = new ExecSession(request.execId, runner, {
        startOn: writes ? "eof" : "first-use",
        graceMs: core.settings.execStartGraceMs,
      });
      sandbox.execs.set(request.execId, exec);
      const ended = live.execStarted();
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
      exec.touch();
      const buffer = request.fileDescriptor === 1 ? exec.stderr : exec.stdout;
      for await (const data of buffer.read(request.offset, context.signal)) yield { data };
    },

    async taskExecStdinWrite(request) {
      session(request).writeStdin(request.offset, request.data, request.eof);
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
          exec.writeStdin(offset, message.data, false);
          offset += message.data.byteLength;
        } else if (message.end && exec) {
          exec.writeStdin(offset, undefined, true);
        }
      }
      return {};
    },

    async taskExecStdinStatus(request) {
      const exec = session(request);
      return { numBytesWritten: exec.stdinBytes, closed: exec.stdinClosed };
    },

    async taskExecPoll(request) {
      const exec = session(request);
      exec.touch();
      return exitMessage(toStatus(() => exec.poll()));
    },

    async taskExecWait(request, context) {
      const exec = session(request);
      exec.touch();
      try {
        return exitMessage(await exec.wait(context.signal));
      } catch (error) {
        throw toServerError(error);
      }
    },

    async taskSnapshotFilesystem(request) {
      const sandbox = core.task(request.taskId);
      await sandbox.ready;
      if (!sandbox.backendId) throw new ServerError(Status.FAILED_PRECONDITION, "Sandbox is not running");
      let ref: Awaited<ReturnType<Provider["snapshot"]>>;
      try {
        ref = await core.backend.snapshot(sandbox.backendId);
      } catch (error) {
        throw toServerError(error);
      }
      const imageId = prefixedId("im");
      const source = core.images.get(sandbox.imageId);
      core.images.set(imageId, {
        imageId,
        dockerfileCommands: [],
        ...(source?.tag === undefined ? {} : { tag: source.tag }),
        snapshot: ref,
        ttlSeconds: request.ttlSeconds,
      });
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

function backendRunner(
  backend: Provider,
  sandbox: EmulatedSandbox,
  request: TaskExecStartRequest,
  env: Record<string, string>,
): ExecRunner {
  const backendId = sandbox.backendId ?? "";
  return async ({ stdin, stdout, stderr }) => {
    const options: ExecOptions = {
      env,
      stdin,
      ...(request.workdir ? { cwd: request.workdir } : {}),
      ...(request.timeoutSecs ? { timeoutMs: request.timeoutSecs * 1000 } : {}),
      ...(request.stdoutConfig === DEVNULL ? {} : { onStdoutBytes: (chunk: Uint8Array) => stdout.push(chunk) }),
      ...(request.stderrConfig === DEVNULL ? {} : { onStderrBytes: (chunk: Uint8Array) => stderr.push(chunk) }),
      // Output is streamed through the callbacks; the backend need not keep a copy.
      maxOutputBytes: 0,
    };
    const result = await backend.exec(backendId, request.commandArgs, options);
    // Modal reports a killed exec as a signal; the SDK turns it into 128 + signal.
    if (result.timedOut) return { signal: 9 };
    return { code: result.exitCode };
  };
}

function toStatus<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw toServerError(error);
  }
}
