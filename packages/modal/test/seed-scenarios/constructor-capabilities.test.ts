import { describe, expect, test } from "vitest";
import { DEFAULT_GPU_TYPE, ModalProvider, modalCapabilities } from "../../src/index.js";
import { useSeed } from "./seed-fixture.js";

const seed = useSeed();

describe("0.0.3: constructor and capabilities", () => {
  test("constructing does no I/O and needs no options", () => {
    const before = seed.mark();
    const provider = new ModalProvider();
    expect(provider.name).toBe("modal");
    expect(provider.specificationVersion).toBe("v1");
    expect(seed.mark()).toBe(before);
  });

  test("capabilities: snapshot === true, GPUs, Tailscale, no persistent storage yet", () => {
    const caps = new ModalProvider().capabilities;
    expect(caps.snapshot).toBe(true);
    expect(caps.snapshotTypes).toEqual(["filesystem"]);
    expect(caps.gpu).toBe(true);
    expect(caps.tailscale).toBe(true);
    expect(caps.persistentStorage).toBe(false);
    expect(caps.extensions).toEqual(["files", "network"]);
    expect(caps.constraints.gpuTypes).toContain("T4");
    expect(caps.constraints.maxDurationSeconds).toBe(24 * 3600);
    expect(caps.constraints.defaultImage).toBe("python:3.12-slim");
    expect(DEFAULT_GPU_TYPE).toBe("T4");
    expect(modalCapabilities(60, "debian:12").constraints).toMatchObject({
      defaultDurationSeconds: 60,
      defaultImage: "debian:12",
    });
  });

  test("bad options fail at construction, naming the option", () => {
    expect(() => new ModalProvider({ defaultDurationSeconds: 0 })).toThrow(/defaultDurationSeconds/);
    expect(() => new ModalProvider({ gpuFallbacks: ["NOTAGPU"] })).toThrow(/gpuFallbacks\[0\]/);
    expect(() => new ModalProvider({ healthCheckTimeoutMs: -1 })).toThrow(/healthCheckTimeoutMs/);
    expect(() => new ModalProvider({ snapshotTtlMs: 1500 })).toThrow(/snapshotTtlMs/);
  });
});
