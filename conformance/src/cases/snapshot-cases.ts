import { isSandboxError, parseSnapshotRef, type SnapshotRef } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import { withDeadline } from "../suite/sandbox-tracker.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, pathExists } from "./case-helpers.js";

/**
 * Takes a snapshot, or, when the capabilities say snapshots are unsupported, verifies that
 * `snapshot` really throws `unsupported` and ends the case so.
 */
export async function takeSnapshot(c: CaseContext, id: string): Promise<SnapshotRef> {
  if (c.capabilities.snapshot === false) {
    try {
      await c.provider.snapshot(id);
    } catch (error) {
      if (isSandboxError(error) && error.code === "unsupported") {
        c.unsupported("capabilities.snapshot is false and snapshot throws unsupported");
      }
      throw new Error(
        `capabilities.snapshot is false but snapshot threw ${isSandboxError(error) ? error.code : String(error)}, not unsupported`,
      );
    }
    throw new Error("capabilities.snapshot is false but snapshot succeeded");
  }
  const before = Date.now();
  const ref = await c.provider.snapshot(id);
  const after = Date.now();
  expect(ref.provider, "ref.provider").toBe(c.raw.name);
  const at = new Date(ref.createdAt).getTime();
  const skew = c.options.clockSkewMs;
  expect(
    at >= before - skew && at <= after + skew,
    `ref.createdAt ${String(ref.createdAt)} is when the snapshot was taken`,
  ).toBe(true);
  if (ref.sourceExternalId !== undefined) expect(ref.sourceExternalId, "ref.sourceExternalId").toBe(id);
  expect(c.capabilities.snapshotTypes, "ref.type is one of capabilities.snapshotTypes").toContain(ref.type);
  return ref;
}

/** Snapshot and restore. Paths are relative to the working directory, which a restored sandbox shares. */
export const SNAPSHOT_CASES: readonly CaseDefinition[] = [
  {
    id: "snapshot.restore.isolated",
    run: async (c) => {
      const node = await c.provision();
      const id = node.externalId;
      await c.mustExec(id, ["sh", "-c", "mkdir -p olc-snap && printf before > olc-snap/kept.txt"]);
      const ref = await takeSnapshot(c, id);
      await c.mustExec(id, ["sh", "-c", "printf after > olc-snap/kept.txt && printf later > olc-snap/later.txt"]);
      const restored = await c.provider.restore(ref);
      expect(restored.externalId, "restored id differs from the original").not.toBe(id);
      expect(restored.status, "restored status").toBe("running");
      const kept = await c.mustExec(restored.externalId, ["cat", "olc-snap/kept.txt"]);
      expect(kept.stdout, "content at snapshot time").toBe("before");
      expect(
        await pathExists(c, restored.externalId, "olc-snap/later.txt"),
        "a file written after the snapshot exists in the restored sandbox",
      ).toBe(false);
      await c.mustExec(restored.externalId, ["sh", "-c", "printf restored-write > olc-snap/kept.txt"]);
      const original = await c.mustExec(id, ["cat", "olc-snap/kept.txt"]);
      expect(original.stdout, "a write in the restored sandbox changed the original").toBe("after");
    },
  },
  {
    id: "snapshot.ref.json",
    run: async (c) => {
      const node = await c.provision();
      await c.mustExec(node.externalId, ["sh", "-c", "printf json > olc-json.txt"]);
      const ref = await takeSnapshot(c, node.externalId);
      const text = JSON.stringify(ref);
      const parsed = parseSnapshotRef(text);
      expect(parsed.externalId, "externalId after JSON").toBe(ref.externalId);
      expect(parsed.createdAt.getTime(), "createdAt after JSON").toBe(new Date(ref.createdAt).getTime());
      const restored = await c.provider.restore(parsed);
      const cat = await c.mustExec(restored.externalId, ["cat", "olc-json.txt"]);
      expect(cat.stdout, "file in the sandbox restored from parsed JSON").toBe("json");
      // The plain JSON.parse form (createdAt still a string) must be accepted too.
      const fromPlain = await c.provider.restore(JSON.parse(text) as SnapshotRef);
      expect(
        (await c.mustExec(fromPlain.externalId, ["cat", "olc-json.txt"])).stdout,
        "restored from plain JSON.parse",
      ).toBe("json");
    },
  },
  {
    id: "snapshot.ref.fresh-provider",
    run: async (c) => {
      const node = await c.provision();
      await c.mustExec(node.externalId, ["sh", "-c", "printf survives > olc-fresh.txt"]);
      const ref = await takeSnapshot(c, node.externalId);
      // Refs are documented to survive: stored as JSON, restored by another process's provider.
      const other = await c.freshProvider();
      const restored = await other.restore(parseSnapshotRef(JSON.stringify(ref)));
      try {
        const cat = await other.exec(restored.externalId, ["cat", "olc-fresh.txt"]);
        expect(cat.stdout, "file in the sandbox a fresh provider restored").toBe("survives");
      } finally {
        await other.destroy(restored.externalId);
      }
    },
  },
  {
    id: "snapshot.ref.invalid",
    run: async (c) => {
      const node = await c.provision();
      const ref = await takeSnapshot(c, node.externalId);
      const problems: string[] = [];
      const probes: [() => Promise<unknown>, readonly ("invalid_argument" | "not_found" | "terminated")[], string][] = [
        [
          () => c.provider.restore({ ...ref, provider: `${ref.provider}-olc-other` }),
          ["invalid_argument"],
          "restore of another provider's ref",
        ],
        [
          () => c.provider.restore({ ...ref, externalId: "olc-no-such-snapshot" }),
          ["not_found"],
          "restore of an unknown snapshot",
        ],
        [() => c.provider.restore({} as SnapshotRef), ["invalid_argument"], "restore of an empty ref"],
        [
          () => c.provider.snapshot("olc-never-created-snapshot-source"),
          ["not_found", "terminated"],
          "snapshot of an unknown id",
        ],
      ];
      for (const [operation, codes, what] of probes) {
        try {
          await expectSandboxError(operation, codes, what);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      await c.provider.destroy(node.externalId);
      try {
        await expectSandboxError(
          c.provider.snapshot(node.externalId),
          ["terminated", "not_found"],
          "snapshot after destroy",
        );
      } catch (error) {
        problems.push((error as Error).message);
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "snapshot.during-exec",
    run: async (c) => {
      const node = await c.provision();
      await c.mustExec(node.externalId, ["sh", "-c", "printf during > olc-during.txt"]);
      const bound = c.options.timeouts.snapshotMs;
      // The command outlives the bound: a snapshot that waits for running execs cannot make it.
      const controller = new AbortController();
      const running = c
        .exec(node.externalId, ["sleep", String(Math.ceil(bound / 1000) + 30)], { signal: controller.signal })
        .catch(() => undefined);
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const ref = await withDeadline(takeSnapshot(c, node.externalId), bound, "a snapshot taken while an exec runs");
        const restored = await c.provider.restore(ref);
        const cat = await c.mustExec(restored.externalId, ["cat", "olc-during.txt"]);
        expect(cat.stdout, "file in the sandbox restored from a snapshot taken during an exec").toBe("during");
      } finally {
        controller.abort(new Error("snapshot.during-exec is done"));
        await running;
      }
    },
  },
];
