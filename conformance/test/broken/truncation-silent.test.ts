import { createExecResult, type ExecOptions, type ExecResult } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

const CAP = 8 * 1024 * 1024;

/** Bug: output beyond 8 MiB is dropped without setting truncated. */
class TruncationSilent extends ReferenceProvider {
  override async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const result = await super.exec(externalId, argv, options);
    return createExecResult({
      ...result,
      stdoutBytes: result.stdoutBytes.subarray(0, CAP),
      truncated: result.truncated,
    });
  }
}

describeProvider({
  name: "broken: silent truncation",
  createProvider: () => new TruncationSilent(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["exec.output.large"] },
});
