import { InternalError } from "@openlattice/core";
import type { AgentConnection } from "./agent-connection.js";
import { readFailure } from "./agent-errors.js";
import { encodeFrame, Fields, FieldWriter, ProtocolViolation } from "./frame-codec.js";
import { Field, OutputMode, StdinMode, Type } from "./protocol.js";

/**
 * Starts the spec's main command (`runtime.command`) as a process whose output is discarded and
 * which outlives every exec. Resolves once it runs; `onExit` gets its exit code when it ends.
 */
export function startMainProcess(
  connection: AgentConnection,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  provider: string,
  onExit: (exitCode: number) => void,
): Promise<void> {
  const fields = new FieldWriter();
  for (const arg of argv) fields.str(Field.arg, arg);
  for (const [name, value] of Object.entries(env)) fields.str(Field.env, `${name}=${value}`);
  fields.u32(Field.stdin, StdinMode.null).u32(Field.output, OutputMode.discard);
  return new Promise<void>((resolve, reject) => {
    const id = connection.open({
      onFrame: (frame) => {
        if (frame.type === Type.started) return resolve();
        if (frame.type === Type.error) {
          connection.release(id);
          const failure = readFailure(frame);
          return reject(
            new InternalError(`could not start runtime.command: ${failure.code ?? failure.message ?? "agent error"}`, {
              provider,
            }),
          );
        }
        if (frame.type !== Type.exit)
          throw new ProtocolViolation(`unexpected frame ${frame.type} for the main command`);
        const result = new Fields(frame.payload).only([Field.exitCode, Field.signal, Field.timedOut]);
        const code = result.u32(Field.exitCode);
        const signal = result.u32(Field.signal);
        connection.release(id);
        resolve();
        onExit(code ?? 128 + (signal ?? 9));
      },
      onClose: (error) => reject(error),
    });
    connection.send(encodeFrame(Type.start, id, fields.finish()));
  });
}
