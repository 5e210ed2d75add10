import {
  CapacityError,
  collectorsFor,
  createExecResult,
  type ExecRequest,
  type ExecResult,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
} from "@openlattice/core";
import { type AgentConnection, InboundWindow } from "./agent-connection.js";
import { readFailure } from "./agent-errors.js";
import { encodeData, encodeFrame, Fields, FieldWriter, type Frame, ProtocolViolation } from "./frame-codec.js";
import { ErrorKind, Field, FLAG_FIN, MAX_REQUEST_FRAME, StdinMode, Stream, Type } from "./protocol.js";

/** When the agent has not reported a killed process this long after the kill, the host gives up on it. */
const KILL_GRACE_MS = 5000;

/** What one exec runs: the request plus the environment and limits the sandbox adds. */
export interface AgentExec {
  readonly request: ExecRequest;
  /** The complete environment of the command (the sandbox's, then the call's). */
  readonly env: Readonly<Record<string, string>>;
  readonly provider: string;
}

function startPayload(exec: AgentExec): Buffer {
  const { request } = exec;
  const fields = new FieldWriter();
  for (const arg of request.argv) fields.str(Field.arg, arg);
  for (const [name, value] of Object.entries(exec.env)) fields.str(Field.env, `${name}=${value}`);
  if (request.cwd !== undefined) fields.str(Field.cwd, request.cwd);
  if (request.timeoutMs !== undefined) fields.u64(Field.timeoutMs, request.timeoutMs);
  fields.u32(Field.stdin, request.stdin && request.stdin.byteLength > 0 ? StdinMode.pipe : StdinMode.null);
  // A terminal: stdin, stdout and stderr are one PTY of this size (output arrives on stdout).
  if (request.pty) fields.u32(Field.cols, request.pty.cols).u32(Field.rows, request.pty.rows);
  if (fields.byteLength > MAX_REQUEST_FRAME - 64) {
    throw new InvalidArgumentError("env", `argv and env together exceed ${MAX_REQUEST_FRAME} bytes`, {
      provider: exec.provider,
    });
  }
  return fields.finish();
}

/**
 * Runs one command through the agent: START, stdin under the agent's credit, stdout and stderr
 * streamed to the callbacks (and kept up to the cap), then EXIT. A timeout is enforced by the
 * agent (it kills the whole tree); an abort sends KILL and rejects with the signal's reason
 * once the tree is gone. Everything the agent reports is validated.
 */
export function execThroughAgent(connection: AgentConnection, exec: AgentExec): Promise<ExecResult> {
  const { request, provider } = exec;
  const signal = request.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const started = performance.now();
  const payload = startPayload(exec);
  return new Promise<ExecResult>((resolve, reject) => {
    // Kept output is bounded (core's default applies); everything still reaches the callbacks.
    const { stdout, stderr } = collectorsFor(request);
    const collectors = [stdout, stderr];
    let stdin = request.stdin && request.stdin.byteLength > 0 ? request.stdin : undefined;
    let stdinCredit = 0;
    let aborted = false;
    let settled = false;
    let backstop: NodeJS.Timeout | undefined;

    const finish = (outcome: { result?: ExecResult; error?: unknown }) => {
      if (settled) return;
      settled = true;
      if (backstop) clearTimeout(backstop);
      signal?.removeEventListener("abort", onAbort);
      connection.release(id);
      stdout.end();
      stderr.end();
      const callbackError = stdout.callbackError ?? stderr.callbackError;
      if (aborted) reject(signal?.reason);
      else if (outcome.error !== undefined) reject(outcome.error);
      else if (callbackError !== undefined) reject(callbackError);
      else resolve(outcome.result as ExecResult);
    };
    const kill = () => connection.send(encodeFrame(Type.kill, id, new FieldWriter().u32(Field.signum, 9).finish()));
    const giveUp = (timedOut: boolean) =>
      finish({
        result: createExecResult({
          exitCode: 137,
          stdoutBytes: collectors[0]?.bytes() ?? new Uint8Array(),
          stderrBytes: collectors[1]?.bytes() ?? new Uint8Array(),
          timedOut,
          truncated: Boolean(collectors[0]?.truncated || collectors[1]?.truncated),
          durationMs: performance.now() - started,
        }),
      });
    const onAbort = () => {
      aborted = true;
      kill();
      backstop = setTimeout(() => finish({}), KILL_GRACE_MS);
    };
    // Set once the channel has its id (frames only arrive after that).
    const windows: InboundWindow[] = [];

    const sendStdin = () => {
      if (!stdin || stdinCredit <= 0) return;
      const part = stdin.subarray(0, stdinCredit);
      stdin = part.byteLength < stdin.byteLength ? stdin.subarray(part.byteLength) : undefined;
      stdinCredit -= part.byteLength;
      connection.send(...encodeData(id, Stream.in, part, stdin === undefined));
    };

    const onFrame = (frame: Frame) => {
      switch (frame.type) {
        case Type.data: {
          const index = frame.stream - Stream.out;
          const collector = collectors[index];
          const window = windows[index];
          if (!collector || !window || frame.flags & FLAG_FIN) throw new ProtocolViolation("bad output frame");
          window.receive(frame.payload.byteLength);
          collector.push(frame.payload);
          window.consumed(frame.payload.byteLength);
          return;
        }
        case Type.credit:
          if (frame.stream !== Stream.in || frame.payload.byteLength !== 4) throw new ProtocolViolation("bad credit");
          stdinCredit += Buffer.from(frame.payload.buffer, frame.payload.byteOffset, 4).readUInt32LE(0);
          return sendStdin();
        case Type.started:
          new Fields(frame.payload).only([Field.pid]).u32(Field.pid);
          return;
        case Type.exit: {
          const fields = new Fields(frame.payload).only([Field.exitCode, Field.signal, Field.timedOut]);
          const code = fields.u32(Field.exitCode);
          const signalNumber = fields.u32(Field.signal);
          if ((code === undefined) === (signalNumber === undefined) || (code ?? 0) > 255 || (signalNumber ?? 0) > 127) {
            throw new ProtocolViolation("EXIT needs exactly one of an exit code and a signal");
          }
          return finish({
            result: createExecResult({
              exitCode: code ?? 128 + (signalNumber as number),
              stdoutBytes: collectors[0]?.bytes() ?? new Uint8Array(),
              stderrBytes: collectors[1]?.bytes() ?? new Uint8Array(),
              timedOut: fields.u32(Field.timedOut) === 1,
              truncated: Boolean(collectors[0]?.truncated || collectors[1]?.truncated),
              durationMs: performance.now() - started,
            }),
          });
        }
        case Type.error:
          return finish({ error: startError(readFailure(frame), request, provider) });
        default:
          throw new ProtocolViolation(`unexpected frame ${frame.type} for an exec`);
      }
    };
    const id = connection.open({ onFrame, onClose: (error) => finish({ error }) });
    windows.push(new InboundWindow(connection, id, Stream.out), new InboundWindow(connection, id, Stream.err));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (request.timeoutMs !== undefined) {
      // The agent enforces the timeout; this only covers an agent that stopped answering.
      backstop = setTimeout(() => {
        kill();
        backstop = setTimeout(() => giveUp(true), KILL_GRACE_MS);
      }, request.timeoutMs + KILL_GRACE_MS);
      backstop.unref();
    }
    connection.send(encodeFrame(Type.start, id, payload));
  });
}

export function startError(
  failure: ReturnType<typeof readFailure>,
  request: Pick<ExecRequest, "argv" | "cwd">,
  provider: string,
): Error {
  const options = { provider, details: { errno: failure.code } };
  switch (failure.kind) {
    case ErrorKind.cwd:
      // A missing directory and a file in its place are both "no such directory" (spec: not_found).
      if (failure.code === "ENOENT") {
        return new NotFoundError(`cwd ${JSON.stringify(request.cwd)} does not exist in the sandbox`, options);
      }
      if (failure.code === "ENOTDIR") {
        return new NotFoundError(`cwd ${JSON.stringify(request.cwd)} is not a directory in the sandbox`, options);
      }
      return new InvalidArgumentError(
        "cwd",
        `${JSON.stringify(request.cwd)} is not a directory in the sandbox (${failure.code ?? "unusable"})`,
        options,
      );
    case ErrorKind.limit:
      return new CapacityError("the sandbox runs too many processes at once; retry later", options);
    default:
      return new InternalError(
        `could not start ${JSON.stringify(request.argv[0])}: ${failure.code ?? failure.message ?? "agent error"}`,
        options,
      );
  }
}
