import { SetupCommandError } from "../errors/error-classes.js";
import type { ExecOptions, ExecResult } from "../provider/v1/exec.js";

/** Bytes of each stream kept in a failed setup command's error. */
export const SETUP_OUTPUT_TAIL_BYTES = 4096;

/** What `runSetupCommand` needs from the provider that calls it. */
export interface SetupCommandRun {
  readonly provider: string;
  readonly externalId: string;
  /** `runtime.command` of the validated spec. */
  readonly command: readonly string[];
  /** Runs one command in the new sandbox (the provider's own exec, already bound to the id). */
  readonly exec: (argv: readonly string[], options: ExecOptions) => Promise<ExecResult>;
  /** Destroys the new sandbox; called before a failure is reported, so nothing is left behind. */
  readonly destroy: () => Promise<void>;
  /** Provision's abort signal: aborting kills the setup command and fails provisioning. */
  readonly signal?: AbortSignal | undefined;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Runs a spec's setup command once, to completion, as providers must before `provision`
 * resolves. A non-zero exit destroys the sandbox and throws `SetupCommandError` carrying the
 * exit code and the tail of both streams; an exec that cannot run destroys it and rethrows.
 */
export async function runSetupCommand(run: SetupCommandRun): Promise<void> {
  let result: ExecResult;
  try {
    result = await run.exec(run.command, {
      maxOutputBytes: SETUP_OUTPUT_TAIL_BYTES * 16,
      ...(run.signal ? { signal: run.signal } : {}),
    });
  } catch (error) {
    await run.destroy().catch(() => undefined);
    throw error;
  }
  if (result.exitCode === 0) return;
  await run.destroy().catch(() => undefined);
  const stderrTail = tail(result.stderrBytes);
  const stdoutTail = tail(result.stdoutBytes);
  const lastLine = (stderrTail || stdoutTail).trimEnd().split("\n").pop() ?? "";
  throw new SetupCommandError(
    result.exitCode,
    `runtime.command ${JSON.stringify(run.command[0])} exited ${result.exitCode}${result.oomKilled ? " (out of memory)" : ""}; the sandbox was destroyed${lastLine ? `. Last output: ${lastLine.slice(0, 300)}` : ""}`,
    { provider: run.provider, stdoutTail, stderrTail, details: { externalId: run.externalId } },
  );
}

function tail(bytes: Uint8Array): string {
  return decoder.decode(bytes.byteLength > SETUP_OUTPUT_TAIL_BYTES ? bytes.subarray(-SETUP_OUTPUT_TAIL_BYTES) : bytes);
}
