import { createExecResult, type ExecOptions, type ExecResult } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: stderr is merged into stdout (like `2>&1`), while the capabilities still claim separate streams. */
class StderrMerged extends ReferenceProvider {
  override async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const result = await super.exec(externalId, argv, { ...options, onStderr: options?.onStdout });
    const merged = new Uint8Array(result.stdoutBytes.byteLength + result.stderrBytes.byteLength);
    merged.set(result.stdoutBytes);
    merged.set(result.stderrBytes, result.stdoutBytes.byteLength);
    return createExecResult({ ...result, stdoutBytes: merged, stderrBytes: new Uint8Array(0) });
  }
}

describeProvider({
  name: "broken: stderr merged into stdout",
  createProvider: () => new StderrMerged(),
  options: {
    ...SELF_TEST_OPTIONS,
    // The setup failure's stderr tail ends up in stdoutTail.
    expectFailures: [
      "sandbox.setup-command.fails",
      "exec.output.separate",
      "exec.output.binary",
      "exec.stream.incremental",
    ],
  },
});
