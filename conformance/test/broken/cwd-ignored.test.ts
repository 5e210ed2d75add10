import { type ExecOptions, type ExecResult, parseExecRequest } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: the cwd option is dropped, so every command runs in the default working directory. */
class CwdIgnored extends ReferenceProvider {
  override async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    parseExecRequest(argv, options); // still validated; only the behaviour is broken
    const { cwd: _dropped, ...rest } = options ?? {};
    return super.exec(externalId, argv, rest);
  }
}

describeProvider({
  name: "broken: cwd ignored",
  createProvider: () => new CwdIgnored(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["exec.cwd.exact", "exec.cwd.missing"] },
});
