import { describeProvider } from "../../src/index.js";
import { ReferenceProvider } from "../../src/reference/index.js";
import { SELF_TEST_OPTIONS } from "../self-test-options.js";

/** Bug: a "snapshot" is a symlink to the live workspace, so later writes show up in restored sandboxes. */
class SnapshotNotIsolated extends ReferenceProvider {
  protected override async copyWorkspace(from: string, to: string): Promise<void> {
    const { symlink } = await import("node:fs/promises");
    await symlink(from, to);
  }
}

describeProvider({
  name: "broken: snapshot not isolated",
  createProvider: () => new SnapshotNotIsolated(),
  options: { ...SELF_TEST_OPTIONS, expectFailures: ["snapshot.restore.isolated"] },
});
