import { isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import { withDeadline } from "../suite/sandbox-tracker.js";
import type { CaseDefinition } from "./case-definition.js";
import { joinChunks, pathExists, sleep } from "./case-helpers.js";

const decoder = new TextDecoder();

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

/** Streaming, timeouts, cancellation and concurrency. */
export const EXEC_CONTROL_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.stream.incremental",
    run: async (c) => {
      const node = await c.provision();
      const out: { at: number; chunk: Uint8Array }[] = [];
      const err: Uint8Array[] = [];
      const started = Date.now();
      const result = await c.exec(
        node.externalId,
        ["sh", "-c", "printf first; printf e1 >&2; sleep 1.5; printf second; printf e2 >&2"],
        {
          onStdoutBytes: (chunk) => out.push({ at: Date.now(), chunk: chunk.slice() }),
          onStderrBytes: (chunk) => err.push(chunk.slice()),
        },
      );
      const ended = Date.now();
      const joined = decoder.decode(joinChunks(out.map((entry) => entry.chunk)));
      if (c.capabilities.execStreaming === false) {
        // Verify the declared absence: the call still works and whatever was delivered is consistent.
        expect(result.stdout, "stdout").toBe("firstsecond");
        if (out.length > 0) expect(joined, "chunks delivered despite execStreaming false").toBe(result.stdout);
        c.unsupported("capabilities.execStreaming is false; exec with callbacks still returned the full output");
      }
      expect(result.stdout, "stdout").toBe("firstsecond");
      expect(joined, "stdout chunks join to the result").toBe(result.stdout);
      const first = out[0];
      if (!first) throw new Error("onStdout was never called");
      expect(
        ended - first.at,
        `first chunk came ${first.at - started} ms after start, ${ended - first.at} ms before the end`,
      ).toBeGreaterThan(700);
      if (c.capabilities.execStreaming === "separate") {
        expect(decoder.decode(joinChunks(err)), "stderr chunks join to the result").toBe(result.stderr);
        expect(result.stderr, "stderr").toBe("e1e2");
      }
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
      expect(took, "time until a timed-out exec resolved (ms)").toBeLessThan(
        timeoutMs + c.options.timeouts.killGraceMs,
      );
      expect(took, "a timed-out exec did not resolve before its timeout (ms)").toBeGreaterThanOrEqual(timeoutMs - 50);
      await assertGrandchildGone(c, box.id, pidFile);
      const fast = await c.exec(box.id, ["true"], { timeoutMs: 60_000 });
      expect(fast.timedOut, "timedOut of a command that finished in time").toBe(false);
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
    },
  },
  {
    id: "exec.concurrent",
    run: async (c) => {
      const node = await c.provision();
      const runs = Array.from({ length: 20 }, (_, index) =>
        c.exec(node.externalId, [
          "sh",
          "-c",
          'printf "begin-%s/" "$1"; sleep 0.3; printf "end-%s" "$1"',
          "sh",
          String(index),
        ]),
      );
      const settled = await Promise.allSettled(runs);
      const problems: string[] = [];
      settled.forEach((outcome, index) => {
        if (outcome.status === "rejected") {
          const error = outcome.reason;
          problems.push(`exec ${index} rejected: ${isSandboxError(error) ? error.code : ""} ${String(error)}`);
          return;
        }
        const result = outcome.value;
        if (result.stdout !== `begin-${index}/end-${index}` || result.exitCode !== 0) {
          problems.push(`exec ${index}: stdout ${JSON.stringify(result.stdout)} exit ${result.exitCode}`);
        }
      });
      if (problems.length > 0) throw new Error(`concurrent execs got mixed up:\n${problems.join("\n")}`);
    },
  },
];
