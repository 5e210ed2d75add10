import { hasErrorCode, isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import { withDeadline } from "../suite/sandbox-tracker.js";
import { LABEL_CASE, LABEL_RUN } from "../suite/suite-options.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, listOf, pathExists, requireExtension, sleep, waitForEnd } from "./case-helpers.js";

/** Reads the counter the background loop keeps updating (written via rename, so never half-written). */
async function readCounter(c: CaseContext, id: string, file: string): Promise<number> {
  const result = await c.mustExec(id, ["cat", file]);
  const value = Number(result.stdout.trim());
  if (!Number.isInteger(value)) throw new Error(`counter file holds ${JSON.stringify(result.stdout)}`);
  return value;
}

/** Pause/resume (the `lifecycle` extension) and the duration limit. */
export const LIFECYCLE_CASES: readonly CaseDefinition[] = [
  {
    id: "lifecycle.pause-resume",
    run: async (c) => {
      const box = await c.sandbox();
      const lifecycle = requireExtension(c, box.id, "lifecycle");
      const file = `${box.scratch}/counter`;
      const loop = 'i=0; while :; do i=$((i+1)); echo $i > "$1.tmp"; mv "$1.tmp" "$1"; sleep 0.1; done';
      await c.mustExec(box.id, ["sh", "-c", `sh -c '${loop}' sh "$1" >/dev/null 2>&1 </dev/null &`, "sh", file]);
      const ready = Date.now() + 10_000;
      while (!(await pathExists(c, box.id, file))) {
        if (Date.now() > ready) throw new Error("the background counter never started");
        await sleep(100);
      }
      // Calibrate: how fast the counter runs in this sandbox.
      const a = await readCounter(c, box.id, file);
      const aAt = Date.now();
      await sleep(800);
      const b = await readCounter(c, box.id, file);
      const rate = (b - a) / (Date.now() - aAt);
      if (b <= a) throw new Error("the background counter does not advance before pausing");

      const beforePause = await readCounter(c, box.id, file);
      const pausedAt = Date.now();
      await lifecycle.pause();
      const info = await c.provider.inspect(box.id);
      expect(info.status, "status while paused").toBe("paused");
      const list = listOf(c.raw);
      if (list) {
        const listed = await list({ labels: { [LABEL_CASE]: c.requirement.id, [LABEL_RUN]: c.options.runId } });
        expect(
          listed.map((node) => node.externalId),
          "list shows a paused sandbox (it is live)",
        ).toContain(box.id);
      }
      // A new exec makes no progress either: it waits for resume, or is refused (typed).
      let during: "pending" | "ran" | "refused" = "pending";
      const duringExec = c.exec(box.id, ["true"]).then(
        () => {
          during = "ran";
        },
        (error: unknown) => {
          if (!isSandboxError(error)) throw error;
          during = "refused";
        },
      );
      await sleep(2_000);
      expect(during, "an exec started while paused").not.toBe("ran");
      await lifecycle.resume();
      await withDeadline(duringExec, c.options.timeouts.killGraceMs, "an exec started while paused, after resume");
      const afterResume = await readCounter(c, box.id, file);
      const window = Date.now() - pausedAt;
      // Running all the time would add rate × window; at least the 2 s of pause must show no progress.
      const allowed = Math.ceil(rate * (window - 2_000)) + 3;
      expect(
        afterResume - beforePause,
        `progress while paused (running would add about ${Math.round(rate * window)})`,
      ).toBeLessThanOrEqual(allowed);
      await sleep(800);
      const later = await readCounter(c, box.id, file);
      expect(later, "the counter advances again after resume").toBeGreaterThan(afterResume);
      expect((await c.provider.inspect(box.id)).status, "status after resume").toBe("running");
    },
  },
  {
    id: "lifecycle.duration-limit",
    run: async (c) => {
      const max = c.capabilities.constraints.maxDurationSeconds;
      const seconds = max === undefined ? 1 : Math.min(1, max);
      const started = Date.now();
      const node = await c.provision({ duration: { maxSeconds: seconds } });
      const info = await waitForEnd(c, node.externalId, seconds * 1_000 + c.options.timeouts.durationGraceMs);
      expect(
        info.status,
        `status ${Math.round((Date.now() - started) / 1000)} s after provisioning with maxSeconds ${seconds}`,
      ).toBe("terminated");
      await expectSandboxError(
        c.provider.exec(node.externalId, ["true"]),
        ["terminated", "not_found"],
        "exec after the duration limit",
      );
    },
  },
  {
    id: "lifecycle.duration-from-provision",
    run: async (c) => {
      const max = c.capabilities.constraints.maxDurationSeconds;
      const seconds = Math.min(3, max ?? 3);
      const started = Date.now();
      const node = await c.provision({ duration: { maxSeconds: seconds } });
      const provisioned = Date.now();
      if (provisioned - started < (seconds * 1000) / 2) {
        // Not ended at once either: maxSeconds is seconds, not milliseconds.
        const first = await c.exec(node.externalId, ["true"]);
        expect(first.exitCode, "an exec right after provisioning with maxSeconds 3").toBe(0);
      }
      // Busy all the time: an exec every 250 ms must not push the end further out.
      const deadline = started + seconds * 1000 + c.options.timeouts.durationGraceMs;
      for (;;) {
        const ended = await c.provider.exec(node.externalId, ["true"]).then(
          () => false,
          (error: unknown) => {
            if (isSandboxError(error) && (error.code === "terminated" || error.code === "not_found")) return true;
            throw error;
          },
        );
        if (ended) break;
        if (Date.now() > deadline) {
          throw new Error(
            `the sandbox still runs ${Math.round((Date.now() - started) / 1000)} s after provisioning with maxSeconds ${seconds}, while execs kept it busy`,
          );
        }
        await sleep(250);
      }
      // exec already said the sandbox ended; inspect may take the kill grace to agree.
      const info = await waitForEnd(c, node.externalId, c.options.timeouts.killGraceMs);
      expect(info.status, "status after the duration limit").toBe("terminated");
    },
  },
  {
    id: "lifecycle.idle-timeout",
    run: async (c) => {
      const idleSeconds = 2;
      const spec = { duration: { idleSeconds } };
      const idle = await c.provision(spec).catch((error: unknown) => {
        if (hasErrorCode(error, "unsupported")) c.unsupported(`duration.idleSeconds is refused: ${error.message}`);
        throw error;
      });
      const started = Date.now();
      // A file call is activity too; once it is over the sandbox is idle again.
      await c.provider.getExtension(idle.externalId, "files")?.stat(".");
      const [chatty, long] = await Promise.all([c.provision(spec), c.provision(spec)]);
      // One sandbox gets an exec every 300 ms; one runs an exec longer than idleSeconds, with a
      // short exec ending halfway through it (the sandbox is still busy then).
      const longRun = c.exec(long.externalId, ["sh", "-c", "sleep 3.5; printf done"]);
      await c.exec(long.externalId, ["true"]);
      const busyUntil = Date.now() + 3_500;
      while (Date.now() < busyUntil) {
        const result = await c.exec(chatty.externalId, ["true"]);
        expect(result.exitCode, "an exec in a sandbox kept busy past idleSeconds").toBe(0);
        await sleep(300);
      }
      const longResult = await longRun;
      expect([longResult.exitCode, longResult.stdout], "an exec running longer than idleSeconds").toEqual([0, "done"]);
      expect((await c.provider.inspect(chatty.externalId)).status, "a sandbox kept busy by execs").toBe("running");
      const bound = idleSeconds * 1000 + c.options.timeouts.durationGraceMs;
      const info = await waitForEnd(c, idle.externalId, bound);
      expect(
        info.status,
        `status of a sandbox without activity ${Math.round((Date.now() - started) / 1000)} s after provisioning with idleSeconds ${idleSeconds}`,
      ).toBe("terminated");
      // Once their execs are over, the busy sandboxes fall idle and end too.
      for (const [node, what] of [
        [chatty, "the sandbox kept busy by execs"],
        [long, "the sandbox with the long exec"],
      ] as const) {
        expect((await waitForEnd(c, node.externalId, bound)).status, `${what}, idleSeconds after its last exec`).toBe(
          "terminated",
        );
      }
    },
  },
];
