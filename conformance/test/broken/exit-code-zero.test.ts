import { createExecResult, type ExecOptions, type ExecResult } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: the exit code is always reported as 0. */
class ExitCodeZero extends ReferenceProvider {
  override async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return createExecResult({ ...(await super.exec(externalId, argv, options)), exitCode: 0 });
  }
}

describeProvider({
  name: "broken: exit code always 0",
  createProvider: () => new ExitCodeZero(),
  options: {
    ...SELF_TEST_OPTIONS,
    // A setup command that fails looks successful too, so provision does not fail.
    expectFailures: [
      "sandbox.setup-command.fails",
      "exec.exit-code.nonzero",
      "exec.exit-code.not-found",
      "exec.exit-code.signal",
    ],
  },
});
