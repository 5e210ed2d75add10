import { type ExecOptions, isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import { withDeadline } from "../suite/sandbox-tracker.js";
import type { CaseDefinition } from "./case-definition.js";
import { pathExists, sleep } from "./case-helpers.js";

/** Linux signal numbers of the signals the spec's exit codes are checked for (128 + N). */
const SIGNALS: readonly [string, number][] = [
  ["HUP", 1],
  ["INT", 2],
  ["QUIT", 3],
  ["ABRT", 6],
  ["KILL", 9],
  ["USR1", 10],
  ["SEGV", 11],
  ["PIPE", 13],
  ["TERM", 15],
];

/**
 * Starts `sleep 30` in the background of a shell, records the grandchild's pid, and waits: the
 * process tree a timeout or an abort must kill entirely.
 */
function treeCommand(pidFile: string): string[] {
  return ["sh", "-c", 'sleep 30 & echo $! > "$1"; wait', "sh", pidFile];
}

/** Checks inside the sandbox that the grandchild recorded in `pidFile` is gone. */
async function assertGrandchildGone(c: CaseContext, id: string, pidFile: string): Promise<void> {
  const pid = (await c.mustExec(id, ["cat", pidFile])).stdout.trim();
  expect(pid, "recorded grandchild pid").toMatch(/^\d+$/);
  // Give the kernel a moment to reap; a live grandchild after that is a leak.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const probe = await c.exec(id, ["sh", "-c", 'kill -0 "$1" 2>/dev/null', "sh", pid]);
    if (probe.exitCode !== 0) return;
    const state = await c.exec(id, ["sh", "-c", 'cat "/proc/$1/stat" 2>/dev/null', "sh", pid]);
    // A zombie (state Z) is dead, merely not reaped by its vanished parent.
    if (/\) Z /.test(state.stdout)) return;
    if (Date.now() > deadline) throw new Error(`grandchild ${pid} (sleep 30) is still alive after the exec ended`);
    await sleep(200);
  }
}

/** Starts `sleep 30` detached in the background of an exec (with `options`) and returns its pid. */
async function startBackground(c: CaseContext, id: string, options: ExecOptions): Promise<string> {
  const result = await c.mustExec(id, ["sh", "-c", "sleep 30 >/dev/null 2>&1 </dev/null & echo $!"], options);
  const pid = result.stdout.trim();
  if (!/^\d+$/.test(pid)) throw new Error(`the background sleep printed ${JSON.stringify(result.stdout)}, not a pid`);
  return pid;
}

/** Whether process `pid` of the sandbox is alive (a zombie is not). */
async function alive(c: CaseContext, id: string, pid: string): Promise<boolean> {
  const probe = await c.exec(id, [
    "sh",
    "-c",
    'kill -0 "$1" 2>/dev/null && ! grep -q "^State:.*Z" "/proc/$1/status" 2>/dev/null',
    "sh",
    pid,
  ]);
  return probe.exitCode === 0;
}

/** Exit codes of signals, timeouts, durations and cancellation. */
export const EXEC_TIMEOUT_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.exit-code.signal",
    run: async (c) => {
      const node = await c.provision();
      const problems: string[] = [];
      for (const [name, number] of SIGNALS) {
        // No core file for QUIT/ABRT/SEGV: the exit status is what is checked, not the dump.
        const result = await c.exec(node.externalId, [
          "sh",
          "-c",
          'ulimit -c 0 2>/dev/null; printf before; kill -s "$1" $$',
          "sh",
          name,
        ]);
        if (result.exitCode !== 128 + number) {
          problems.push(`SIG${name}: exit code ${result.exitCode}, expected ${128 + number}`);
        }
        if (result.stdout !== "before") problems.push(`SIG${name}: output before the signal was ${result.stdout}`);
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "exec.timeout.kills-tree",
    run: async (c) => {
      const box = await c.sandbox();
      const pidFile = `${box.scratch}/grandchild.pid`;
      const timeoutMs = 1_500;
      const started = Date.now();
      const bound = timeoutMs + c.options.timeouts.killGraceMs;
      const result = await withDeadline(
        c.exec(box.id, treeCommand(pidFile), { timeoutMs }),
        bound,
        `an exec with timeoutMs ${timeoutMs}`,
      );
      const took = Date.now() - started;
      expect(result.timedOut, "timedOut").toBe(true);
      expect(took, "time until a timed-out exec resolved (ms)").toBeLessThan(bound);
      expect(took, "a timed-out exec did not resolve before its timeout (ms)").toBeGreaterThanOrEqual(timeoutMs - 50);
      await assertGrandchildGone(c, box.id, pidFile);
      const fast = await c.exec(box.id, ["true"], { timeoutMs: 60_000 });
      expect(fast.timedOut, "timedOut of a command that finished in time").toBe(false);
    },
  },
  {
    id: "exec.timeout.exit-code",
    run: async (c) => {
      const node = await c.provision();
      const result = await withDeadline(
        c.exec(
          node.externalId,
          ["sh", "-c", "printf 'printed before the kill'; printf 'err before' >&2; exec sleep 30"],
          {
            timeoutMs: 1_000,
          },
        ),
        1_000 + c.options.timeouts.killGraceMs,
        "an exec with timeoutMs 1000",
      );
      expect(result.timedOut, "timedOut").toBe(true);
      expect(result.exitCode, "exit code of a timed-out exec (killed by SIGKILL)").toBe(137);
      expect(result.stdout, "stdout printed before the timeout").toBe("printed before the kill");
      expect(result.stderr, "stderr printed before the timeout").toBe("err before");
    },
  },
  {
    id: "exec.timeout.only-deadline",
    run: async (c) => {
      const node = await c.provision();
      // The coreutils `timeout` program exits 124; a provider must not read that as its own timeout.
      const own124 = await c.exec(node.externalId, ["sh", "-c", "exit 124"], { timeoutMs: 30_000 });
      expect([own124.exitCode, own124.timedOut], "exit 124 within the deadline: [exitCode, timedOut]").toEqual([
        124,
        false,
      ]);
      const killed = await c.exec(node.externalId, ["sh", "-c", "kill -9 $$"], { timeoutMs: 30_000 });
      expect([killed.exitCode, killed.timedOut], "SIGKILL within the deadline: [exitCode, timedOut]").toEqual([
        137,
        false,
      ]);
      const quick = await c.exec(node.externalId, ["sleep", "0.2"], { timeoutMs: 10_000 });
      expect([quick.exitCode, quick.timedOut], "sleep 0.2 with a 10 s deadline: [exitCode, timedOut]").toEqual([
        0,
        false,
      ]);
      // An exec that finished in time is over: its deadline must not kill what it left running.
      const pid = await startBackground(c, node.externalId, { timeoutMs: 1_000 });
      await sleep(1_600);
      expect(
        await alive(c, node.externalId, pid),
        "a background process of an exec that finished before its timeoutMs",
      ).toBe(true);
      await c.exec(node.externalId, ["kill", pid]);
    },
  },
  {
    id: "exec.duration.measured",
    run: async (c) => {
      const node = await c.provision();
      for (const seconds of [-1, 0, 0.6]) {
        // -1: a program that does not exist (exit 127 or a typed rejection), timed like any other.
        const argv = seconds < 0 ? ["olc-no-such-program-xyz"] : seconds === 0 ? ["true"] : ["sleep", String(seconds)];
        const before = performance.now();
        const result = await c.exec(node.externalId, argv).catch((error: unknown) => {
          if (seconds < 0 && isSandboxError(error)) return undefined;
          throw error;
        });
        const wall = performance.now() - before;
        if (result === undefined) continue;
        if (seconds >= 0) expect(result.exitCode, `${argv.join(" ")} exit code`).toBe(0);
        expect(Number.isFinite(result.durationMs), "durationMs is finite").toBe(true);
        // A rounding millisecond either way; anything more is another clock or another unit.
        expect(
          result.durationMs,
          `durationMs of ${argv.join(" ")} vs the ${Math.round(wall)} ms wall time`,
        ).toBeLessThanOrEqual(wall + 2);
        expect(result.durationMs, `durationMs of ${argv.join(" ")}`).toBeGreaterThanOrEqual(seconds * 1000 - 50);
      }
    },
  },
  {
    id: "exec.abort",
    run: async (c) => {
      const box = await c.sandbox();
      const pidFile = `${box.scratch}/grandchild.pid`;
      const controller = new AbortController();
      const reason = new Error("conformance abort reason");
      const running = c.exec(box.id, treeCommand(pidFile), { signal: controller.signal });
      // Wait until the tree exists, so the abort has something to kill.
      const deadline = Date.now() + 10_000;
      while (!(await pathExists(c, box.id, pidFile))) {
        if (Date.now() > deadline) throw new Error("the command never started (no pid file)");
        await sleep(100);
      }
      const abortedAt = Date.now();
      controller.abort(reason);
      let settled: unknown = "resolved";
      try {
        await withDeadline(running, c.options.timeouts.killGraceMs, "an aborted exec");
      } catch (error) {
        settled = error;
      }
      expect(settled, "an aborted exec rejects with the signal's reason").toBe(reason);
      expect(Date.now() - abortedAt, "time from abort to rejection (ms)").toBeLessThan(c.options.timeouts.killGraceMs);
      await assertGrandchildGone(c, box.id, pidFile);
      const marker = `${box.scratch}/should-not-exist`;
      const pre = new AbortController();
      pre.abort(reason);
      let preSettled: unknown = "resolved";
      try {
        await c.exec(box.id, ["touch", marker], { signal: pre.signal });
      } catch (error) {
        preSettled = error;
      }
      expect(preSettled, "an exec with an already aborted signal rejects with its reason").toBe(reason);
      expect(await pathExists(c, box.id, marker), "a pre-aborted exec ran").toBe(false);
      // Aborting after the exec resolved changes nothing: what it left running lives on.
      const late = new AbortController();
      const pid = await startBackground(c, box.id, { signal: late.signal });
      late.abort(new Error("aborted after the exec resolved"));
      await sleep(500);
      expect(await alive(c, box.id, pid), "a background process of an exec aborted after it resolved").toBe(true);
      await c.exec(box.id, ["kill", pid]);
    },
  },
];
