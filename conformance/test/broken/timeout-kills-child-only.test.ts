import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: a timeout or abort kills only the direct child; its background grandchildren live on. */
class KillsChildOnly extends ReferenceProvider {
  protected override killTree(pid: number): void {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

describeProvider({
  name: "broken: timeout kills the child only",
  createProvider: () => new KillsChildOnly(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["exec.timeout.kills-tree", "exec.abort"] },
});
