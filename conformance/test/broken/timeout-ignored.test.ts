import { type ExecOptions, type ExecResult, parseExecRequest } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: timeoutMs is ignored, so a hanging command hangs the caller. */
class TimeoutIgnored extends ReferenceProvider {
  override async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    parseExecRequest(argv, options); // still validated; only the behaviour is broken
    const { timeoutMs: _dropped, ...rest } = options ?? {};
    return super.exec(externalId, argv, rest);
  }
}

describeProvider({
  name: "broken: timeout ignored",
  createProvider: () => new TimeoutIgnored(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["exec.timeout.kills-tree"] },
});
