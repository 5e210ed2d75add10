import { isSandboxError, SANDBOX_STATUSES, type SandboxError } from "@openlattice/core";
import { expect } from "vitest";
import { LABEL_RUN } from "../suite/suite-options.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, listOf, liveIds, waitForEnd } from "./case-helpers.js";

/** Provision, inspect and destroy over a sandbox's whole life. */
export const SANDBOX_LIFECYCLE_CASES: readonly CaseDefinition[] = [
  {
    id: "sandbox.provision.node",
    run: async (c) => {
      const before = Date.now();
      const node = await c.provision({ labels: { "conformance.extra": "value with spaces/ü" } });
      expect(
        typeof node.externalId === "string" && node.externalId.length > 0,
        "externalId is a non-empty string",
      ).toBe(true);
      expect(node.provider, "node.provider").toBe(c.raw.name);
      expect(node.status, "node.status").toBe("running");
      expect(
        node.createdAt instanceof Date && !Number.isNaN(node.createdAt.getTime()),
        "createdAt is a valid Date",
      ).toBe(true);
      // Clocks of remote backends drift; a day either way still catches seconds-vs-milliseconds bugs.
      expect(Math.abs(node.createdAt.getTime() - before), "createdAt is close to now").toBeLessThan(86_400_000);
      expect(node.labels[LABEL_RUN], "node.labels carries the run label").toBe(c.options.runId);
      expect(node.labels["conformance.extra"], "node.labels carries every given label").toBe("value with spaces/ü");
      const other = await c.provision();
      expect(other.externalId, "two sandboxes get different ids").not.toBe(node.externalId);
    },
  },
  {
    id: "sandbox.provision.idempotency-key",
    run: async (c) => {
      const key = `olc-${c.options.runId}-${Math.random().toString(36).slice(2, 10)}`;
      const first = await c.provision({ idempotencyKey: key });
      const second = await c.provision({ idempotencyKey: key });
      expect(second.externalId, "the same key returns the same sandbox").toBe(first.externalId);
      const other = await c.provision({ idempotencyKey: `${key}-other` });
      expect(other.externalId, "another key makes another sandbox").not.toBe(first.externalId);
    },
  },
  {
    id: "sandbox.provision.abort",
    run: async (c) => {
      const reason = new Error("conformance provision abort");
      const controller = new AbortController();
      controller.abort(reason);
      const marker = `olc-abort-${Math.random().toString(36).slice(2, 10)}`;
      let settled: unknown = "resolved";
      try {
        await c.provider.provision(c.spec({ labels: { "openlattice.abort-probe": marker } }), {
          signal: controller.signal,
        });
      } catch (error) {
        settled = error;
      }
      expect(settled, "provision with an aborted signal rejects with its reason").toBe(reason);
      const listing = listOf(c.raw);
      if (listing) {
        const left = await listing({ labels: { "openlattice.abort-probe": marker } });
        expect(
          left.filter((node) => node.status !== "terminated" && node.status !== "failed"),
          "sandboxes left by an aborted provision",
        ).toEqual([]);
      } else {
        c.note("the provider has no list(): only the rejection was checked");
      }
    },
  },
  {
    id: "sandbox.inspect.running",
    run: async (c) => {
      const node = await c.provision();
      const info = await c.provider.inspect(node.externalId);
      expect(info.externalId, "inspect externalId").toBe(node.externalId);
      expect(info.provider, "inspect provider").toBe(c.raw.name);
      expect(info.status, "inspect status").toBe("running");
      expect(SANDBOX_STATUSES).toContain(info.status);
      expect(info.labels[LABEL_RUN], "inspect labels").toBe(c.options.runId);
    },
  },
  {
    id: "sandbox.inspect.unknown",
    run: async (c) => {
      const id = unknownId();
      const info = await c.provider.inspect(id);
      expect(info.status, "status of an unknown id").toBe("terminated");
      expect(info.externalId, "externalId of an unknown id").toBe(id);
      expect(typeof info.reason === "string" && info.reason.length > 0, "reason says why (e.g. not found)").toBe(true);
    },
  },
  {
    id: "sandbox.destroy.twice",
    run: async (c) => {
      const node = await c.provision();
      await c.provider.destroy(node.externalId);
      await c.provider.destroy(node.externalId);
    },
  },
  {
    id: "sandbox.destroy.unknown",
    run: async (c) => {
      await c.provider.destroy(unknownId());
    },
  },
  {
    id: "sandbox.destroy.after-exit",
    run: async (c) => {
      const image = c.requireImage();
      const node = await c.provision({ runtime: { image, entrypoint: ["sh", "-c", "exit 0"] } });
      const info = await waitForEnd(c, node.externalId, c.options.timeouts.durationGraceMs);
      if (info.status !== "terminated" && info.status !== "failed") {
        c.note(`the sandbox was still ${info.status} after its entrypoint exited; destroying it anyway`);
      }
      await c.provider.destroy(node.externalId);
      await c.provider.destroy(node.externalId);
    },
  },
  {
    id: "sandbox.inspect.after-destroy",
    run: async (c) => {
      const node = await c.provision();
      await c.provider.destroy(node.externalId);
      const info = await c.provider.inspect(node.externalId);
      expect(info.status, "status after destroy").toBe("terminated");
      expect(info.externalId, "externalId after destroy").toBe(node.externalId);
    },
  },
  {
    id: "sandbox.exec.after-destroy",
    run: async (c) => {
      const node = await c.provision();
      await c.provider.destroy(node.externalId);
      await expectSandboxError(
        c.provider.exec(node.externalId, ["true"]),
        ["terminated", "not_found"],
        "exec after destroy",
      );
    },
  },
  {
    id: "sandbox.command.exit",
    run: async (c) => {
      const image = c.requireImage();
      const node = await c.provision({ runtime: { image, entrypoint: ["sh", "-c", "sleep 0.3; exit 7"] } });
      const info = await waitForEnd(c, node.externalId, c.options.timeouts.durationGraceMs);
      expect(info.status, "status after the entrypoint exited").toBe("terminated");
      expect(info.exitCode, "exitCode of the entrypoint").toBe(7);
    },
  },
  {
    id: "sandbox.setup-command.runs",
    run: async (c) => {
      const image = c.requireImage();
      const workdir = "/tmp";
      // The setup command writes a marker only after a pause: provision must wait for it.
      const node = await c.provision({
        runtime: {
          image,
          workdir,
          env: { OLC_SETUP: "from-spec" },
          command: ["sh", "-c", 'sleep 0.5; printf "%s %s" "$OLC_SETUP" "$(pwd)" > setup-marker'],
        },
      });
      const marker = await c.exec(node.externalId, ["cat", `${workdir}/setup-marker`]);
      expect(marker.exitCode, "the setup command's file exists as soon as provision resolved").toBe(0);
      expect(marker.stdout, "the setup command saw the spec's env and workdir").toBe(`from-spec ${workdir}`);
      expect((await c.provider.inspect(node.externalId)).status, "status after setup").toBe("running");
    },
  },
  {
    id: "sandbox.setup-command.fails",
    run: async (c) => {
      const image = c.requireImage();
      const label = { "conformance.case": `setup-fails-${Math.random().toString(36).slice(2, 10)}` };
      const error = await c
        .provision({
          labels: label,
          runtime: { image, command: ["sh", "-c", "echo installing; echo 'no such package' >&2; exit 3"] },
        })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(isSandboxError(error), `provision with a failing setup command rejects with a SandboxError`).toBe(true);
      const failure = error as SandboxError;
      expect(failure.code, "error code").toBe("setup_failed");
      expect(failure.details.exitCode, "details.exitCode").toBe(3);
      expect(String(failure.details.stderrTail), "details.stderrTail").toContain("no such package");
      expect(String(failure.details.stdoutTail), "details.stdoutTail").toContain("installing");
      const left = await liveIds(c, label);
      if (left) expect([...left], "live sandboxes left behind by the failed provision").toEqual([]);
    },
  },
  {
    id: "sandbox.runtime.env-workdir",
    run: async (c) => {
      const image = c.requireImage();
      const value = "spec env: $(not run) 'q' \"dq\" ü";
      const node = await c.provision({ runtime: { image, workdir: "/tmp", env: { OLC_SPEC_ENV: value } } });
      const pwd = await c.mustExec(node.externalId, ["pwd"]);
      expect(pwd.stdout, "default cwd is runtime.workdir").toBe("/tmp\n");
      const env = await c.mustExec(node.externalId, ["printenv", "OLC_SPEC_ENV"]);
      expect(env.stdout, "runtime.env reaches exec").toBe(`${value}\n`);
      const override = await c.mustExec(node.externalId, ["printenv", "OLC_SPEC_ENV"], {
        env: { OLC_SPEC_ENV: "per-exec" },
      });
      expect(override.stdout, "exec env overrides runtime.env").toBe("per-exec\n");
    },
  },
];

function unknownId(): string {
  return `olc-never-created-${Math.random().toString(36).slice(2, 12)}`;
}
