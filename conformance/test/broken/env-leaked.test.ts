import type { ExecOptions, ExecResult } from "@openlattice/core";
import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: per-call env is merged into a sticky environment that later calls inherit. */
class EnvLeaked extends ReferenceProvider {
  private sticky: Record<string, string> = {};
  override exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.sticky = { ...this.sticky, ...options?.env };
    return super.exec(externalId, argv, { ...options, env: this.sticky });
  }
}

describeProvider({
  name: "broken: env leaked between execs",
  createProvider: () => new EnvLeaked(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["exec.env.isolated"] },
});
