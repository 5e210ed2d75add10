import { assertProvider, EXTENSION_NAMES, SPECIFICATION_VERSION } from "@openlattice/core";
import { expect } from "vitest";
import { NotRunSignal, UnsupportedSignal } from "../suite/case-signals.js";
import { withDeadline } from "../suite/sandbox-tracker.js";
import type { CaseDefinition } from "./case-definition.js";

const ISOLATION = ["vm", "namespace", "none"];
const SNAPSHOT_TYPES = ["filesystem", "memory"];
const STREAMING = ["separate", "combined", false];
const BOOLEAN_FLAGS = ["snapshot", "restart", "pause", "pty", "gpu", "logs", "tailscale", "persistentStorage"] as const;

/** The provider object itself: version, shape and a well-formed, constant capability manifest. */
export const PROVIDER_CASES: readonly CaseDefinition[] = [
  {
    id: "provider.spec-version",
    run: async (c) => {
      // The version is checked before anything else: a provider for another spec version must be told so first.
      expect(c.raw.specificationVersion, "specificationVersion").toBe(SPECIFICATION_VERSION);
      assertProvider(c.raw);
      expect(typeof c.raw.name === "string" && c.raw.name.length > 0, "provider.name is a non-empty string").toBe(true);
    },
  },
  {
    id: "provider.capabilities.valid",
    run: async (c) => {
      const caps = c.raw.capabilities;
      expect(ISOLATION, "capabilities.isolation").toContain(caps.isolation);
      expect(Array.isArray(caps.snapshotTypes), "capabilities.snapshotTypes is an array").toBe(true);
      for (const type of caps.snapshotTypes) expect(SNAPSHOT_TYPES, "capabilities.snapshotTypes[]").toContain(type);
      expect(caps.snapshotTypes.length > 0, "snapshotTypes is non-empty exactly when snapshot is true").toBe(
        caps.snapshot === true,
      );
      expect(STREAMING, "capabilities.execStreaming").toContain(caps.execStreaming);
      for (const flag of BOOLEAN_FLAGS) expect(typeof caps[flag], `capabilities.${flag}`).toBe("boolean");
      expect(
        Array.isArray(caps.architectures) && caps.architectures.length > 0,
        "capabilities.architectures is non-empty",
      ).toBe(true);
      for (const arch of caps.architectures)
        expect(["x86_64", "arm64"], "capabilities.architectures[]").toContain(arch);
      expect(Array.isArray(caps.egress), "capabilities.egress is an array").toBe(true);
      for (const mode of caps.egress) expect(["none", "all", "allowlist"], "capabilities.egress[]").toContain(mode);
      expect(Array.isArray(caps.extensions), "capabilities.extensions is an array").toBe(true);
      for (const name of caps.extensions) expect(EXTENSION_NAMES, "capabilities.extensions[]").toContain(name);
      expect(new Set(caps.extensions).size, "capabilities.extensions has no duplicates").toBe(caps.extensions.length);
      const limits = caps.constraints;
      expect(limits !== null && typeof limits === "object", "capabilities.constraints is an object").toBe(true);
      expect(Array.isArray(limits.gpuTypes), "constraints.gpuTypes is an array").toBe(true);
      expect(Array.isArray(limits.imageKinds), "constraints.imageKinds is an array").toBe(true);
      if (limits.defaultImage !== undefined) {
        expect(typeof limits.defaultImage === "string" && limits.defaultImage !== "", "constraints.defaultImage").toBe(
          true,
        );
      }
      for (const key of [
        "maxGpuCount",
        "maxDurationSeconds",
        "defaultDurationSeconds",
        "maxCpu",
        "maxMemoryMiB",
        "maxFileBytes",
      ] as const) {
        const value = limits[key];
        if (value !== undefined)
          expect(Number.isFinite(value) && value > 0, `constraints.${key} is a positive number`).toBe(true);
      }
      if (caps.gpu) expect(limits.gpuTypes.length, "a GPU provider lists its gpuTypes").toBeGreaterThan(0);
      else expect(limits.gpuTypes, "gpuTypes of a provider without GPUs").toEqual([]);
      expect(limits.imageKinds.length, "constraints.imageKinds describes at least one kind of image").toBeGreaterThan(
        0,
      );
      for (const kind of limits.imageKinds) expect(typeof kind === "string" && kind !== "", "imageKinds[]").toBe(true);
      for (const [feature, why] of Object.entries(caps.limitations ?? {})) {
        expect(typeof why === "string" && why !== "", `limitations.${feature} says why`).toBe(true);
      }
      // Constant for the provider's lifetime, and the same for every instance the factory makes.
      const before = structuredClone(caps);
      expect(c.raw.capabilities, "capabilities read twice").toEqual(before);
      await c.raw.inspect("olc-capabilities-probe").catch(() => undefined);
      expect(c.raw.capabilities, "capabilities after a call").toEqual(before);
      if (c.options.image !== undefined || limits.defaultImage !== undefined) {
        const node = await c.provision();
        await c.exec(node.externalId, ["true"]);
        expect(c.raw.capabilities, "capabilities after provisioning and an exec").toEqual(before);
      } else {
        c.note("no image to provision with: capabilities were compared without a sandbox");
      }
      if (c.options.sharedInstance) {
        c.note("createProvider returns one shared instance: no second instance to compare");
        return;
      }
      const other = await c.createProvider();
      expect(other, "the factory returns a fresh provider each time").not.toBe(c.raw);
      expect(other.capabilities, "capabilities of a second provider from the same factory").toEqual(before);
    },
  },
  {
    id: "health.never-throws",
    run: async (c) => {
      const report = await c.raw.healthCheck();
      expect(typeof report.healthy, "healthy is a boolean").toBe("boolean");
      expect(
        Number.isFinite(report.latencyMs) && report.latencyMs >= 0,
        `latencyMs ${report.latencyMs} is finite and >= 0`,
      ).toBe(true);
      if (!report.healthy) {
        // "Unhealthy" must be true: a backend that provisions and runs a command is usable.
        let works = false;
        try {
          const node = await c.provision();
          works = (await c.exec(node.externalId, ["true"])).exitCode === 0;
        } catch (error) {
          if (error instanceof NotRunSignal || error instanceof UnsupportedSignal) throw error;
        }
        if (works)
          throw new Error(
            `healthCheck reports unhealthy (${report.message ?? "no message"}) while provisioning and exec work`,
          );
        c.note(`provider reports unhealthy: ${report.message ?? "(no message)"}`);
      }
      if (report.message !== undefined) expect(typeof report.message, "message is a string").toBe("string");
    },
  },
  {
    id: "health.bounded",
    run: async (c) => {
      const bound = c.options.timeouts.healthMs;
      for (let attempt = 0; attempt < 2; attempt++) {
        const started = performance.now();
        const report = await withDeadline(c.raw.healthCheck(), bound, "healthCheck()");
        const measured = performance.now() - started;
        // latencyMs is the check's own time: never more than the suite saw, and not a made-up figure.
        expect(report.latencyMs, `latencyMs vs the ${measured.toFixed(1)} ms the suite measured`).toBeLessThanOrEqual(
          measured + 2,
        );
        expect(
          report.latencyMs,
          `latencyMs vs the ${measured.toFixed(1)} ms the suite measured`,
        ).toBeGreaterThanOrEqual(measured / 2 - 50);
      }
    },
  },
];
