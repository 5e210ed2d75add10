import { NotFoundError, type Provider, type SandboxNode } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { SandboxTracker, withDeadline } from "../src/suite/sandbox-tracker.js";

const node = (externalId: string): SandboxNode => ({
  externalId,
  provider: "fake",
  status: "running",
  createdAt: new Date(),
  labels: {},
});

/** A provider stub whose destroy records the order and fails for chosen ids. */
function fakeProvider(destroyed: string[], failures: Record<string, Error> = {}): Provider {
  return {
    destroy: async (id: string) => {
      destroyed.push(id);
      if (failures[id]) throw failures[id];
    },
  } as unknown as Provider;
}

describe("SandboxTracker", () => {
  it("destroys what the case left, newest first, skipping what the case destroyed itself", async () => {
    const destroyed: string[] = [];
    const all = new Set<string>();
    const tracker = new SandboxTracker(fakeProvider(destroyed), all);
    for (const id of ["a", "b", "c", "d"]) tracker.add(node(id));
    tracker.forget("c");
    await tracker.cleanup(1_000);
    expect(destroyed).toEqual(["d", "b", "a"]);
    expect([...all]).toEqual(["a", "b", "c", "d"]);
  });

  it("fails with every leaked id, after trying all of them; not_found means already gone", async () => {
    const destroyed: string[] = [];
    const tracker = new SandboxTracker(
      fakeProvider(destroyed, { a: new Error("backend down"), b: new NotFoundError("gone") }),
      new Set(),
    );
    for (const id of ["a", "b", "c"]) tracker.add(node(id));
    await expect(tracker.cleanup(1_000)).rejects.toThrow(/may have leaked:\n {2}destroy\("a"\): backend down$/);
    expect(destroyed).toEqual(["c", "b", "a"]);
  });

  it("bounds a hanging destroy by the cleanup deadline", async () => {
    const hanging = { destroy: () => new Promise<void>(() => {}) } as unknown as Provider;
    const tracker = new SandboxTracker(hanging, new Set());
    tracker.add(node("x"));
    await expect(tracker.cleanup(50)).rejects.toThrow(/did not settle within/);
    await expect(withDeadline(Promise.resolve(1), 10, "x")).resolves.toBe(1);
  });
});
