import { describe, expect, it } from "vitest";
import { InvalidArgumentError, parseSnapshotRef, type SnapshotRef } from "../src/index.js";

const ref: SnapshotRef = {
  provider: "local",
  externalId: "snap_123",
  type: "filesystem",
  createdAt: new Date("2026-11-22T10:00:00.123Z"),
  sourceExternalId: "sbx_1",
  metadata: { bytes: 42 },
};

describe("parseSnapshotRef", () => {
  it("round-trips through JSON.stringify, reviving createdAt as a Date", () => {
    const back = parseSnapshotRef(JSON.stringify(ref));
    expect(back).toEqual(ref);
    expect(back.createdAt).toBeInstanceOf(Date);
    expect(parseSnapshotRef(JSON.parse(JSON.stringify(ref)))).toEqual(ref);
  });

  it("accepts a ref object with a Date and copies it", () => {
    const back = parseSnapshotRef(ref);
    expect(back).toEqual(ref);
    expect(back.createdAt).not.toBe(ref.createdAt);
  });

  it.each([
    ["{not json", "ref"],
    [42, "ref"],
    [{ ...ref, provider: "" }, "ref.provider"],
    [{ ...ref, externalId: undefined }, "ref.externalId"],
    [{ ...ref, type: "disk" }, "ref.type"],
    [{ ...ref, createdAt: "yesterday" }, "ref.createdAt"],
    [{ ...ref, extra: 1 }, "ref.extra"],
  ])("rejects %j naming %s", (input, field) => {
    try {
      parseSnapshotRef(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe(field);
    }
  });
});
