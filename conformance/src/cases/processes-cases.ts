import type { ProcessStartOptions } from "@openlattice/core";
import { expect } from "vitest";
import { withDeadline } from "../suite/sandbox-tracker.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, pathExists, sleep } from "./case-helpers.js";
import {
  COUNTER_LOOP,
  expectCounterMoving,
  listed,
  requireProcesses,
  StreamedText,
  waitBounded,
  waitForState,
} from "./process-helpers.js";

/** Background processes: start, stdin, wait, kill and list (`processes` extension). */
export const PROCESSES_CASES: readonly CaseDefinition[] = [
  {
    id: "processes.start.background",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const out = new StreamedText();
      const ready = c.options.timeouts.networkReadyMs;
      // start must not wait for the process: this one never ends by itself.
      const handle = await withDeadline(
        processes.start(["sh", "-c", COUNTER_LOOP], { cwd: box.scratch, onStdout: out.onStdout }),
        ready,
        "processes.start of a process that runs forever",
      );
      expect(Number.isSafeInteger(handle.pid) && handle.pid > 0, `pid ${handle.pid} is a positive integer`).toBe(true);
      await out.waitFor("started", ready, "output of the started process");
      handle.detach();
      // Nobody follows it now, and execs come and go: it keeps running through all of that.
      await expectCounterMoving(c, box.id, `${box.scratch}/counter`, "after detach, while execs run");
      const entry = await listed(processes, handle.pid, "a running process");
      expect(entry.state, "state of the running process in list()").toBe("running");
      expect(entry.argv, "argv in list()").toEqual(["sh", "-c", COUNTER_LOOP]);
      await handle.kill("SIGKILL");
    },
  },
  {
    id: "processes.start.invalid",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const marker = `${box.scratch}/ran`;
      const touch = ["sh", "-c", 'touch "$1"', "sh", marker];
      const probes: { argv: readonly string[]; options?: Record<string, unknown>; field: string }[] = [
        { argv: [], field: "argv" },
        { argv: [...touch, "a\u0000b"], field: "argv[" },
        { argv: touch, options: { env: { "A=B": "x" } }, field: "env" },
        { argv: touch, options: { env: { A: "x\u0000y" } }, field: "env" },
        { argv: touch, options: { signal: new AbortController().signal }, field: "signal" },
        { argv: touch, options: { timeoutMs: -1 }, field: "timeoutMs" },
      ];
      const problems: string[] = [];
      for (const probe of probes) {
        const what = `processes.start(${JSON.stringify(probe.argv.slice(0, 1))}, ${Object.keys(probe.options ?? {}).join(", ")})`;
        try {
          const error = await expectSandboxError(
            () => processes.start(probe.argv, probe.options as ProcessStartOptions),
            ["invalid_argument"],
            what,
          );
          if (!String(error.details.field ?? "").startsWith(probe.field))
            problems.push(`${what}: names field ${JSON.stringify(error.details.field)}, expected ${probe.field}`);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      try {
        await expectSandboxError(
          () => processes.start(touch, { cwd: `${box.scratch}/does-not-exist` }),
          ["not_found"],
          "processes.start with a missing cwd",
        );
      } catch (error) {
        problems.push((error as Error).message);
      }
      // A wrongly started process would need a moment to touch its marker.
      await sleep(300);
      if (await pathExists(c, box.id, marker)) problems.push("a rejected processes.start ran its command");
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "processes.stdin",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const out = new StreamedText();
      const ready = c.options.timeouts.networkReadyMs;
      const handle = await processes.start(["cat"], { stdin: "first\n", onStdout: out.onStdout });
      // Each write reaches the process while stdin stays open, not only once it is closed.
      await out.waitFor("first\n", ready, "the initial stdin echoed by cat");
      await handle.write("second\n");
      await out.waitFor("second\n", ready, "a written line echoed by cat");
      await handle.write(new TextEncoder().encode("third\n"));
      await out.waitFor("third\n", ready, "written bytes echoed by cat");
      await handle.closeStdin();
      const result = await waitBounded(handle, ready, "wait() of cat after closeStdin");
      expect([result.exitCode, result.stdout], "cat after closeStdin (end-of-file)").toEqual([
        0,
        "first\nsecond\nthird\n",
      ]);
    },
  },
  {
    id: "processes.wait.result",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const grace = c.options.timeouts.killGraceMs;
      const before = performance.now();
      const handle = await processes.start(["sh", "-c", "echo out; echo err >&2; sleep 0.3; exit 3"]);
      const result = await waitBounded(handle, c.options.timeouts.networkReadyMs, "wait() of a short process");
      const wall = performance.now() - before;
      expect(
        [result.exitCode, result.stdout, result.stderr, result.timedOut, result.truncated],
        "exit code, stdout, stderr, timedOut, truncated",
      ).toEqual([3, "out\n", "err\n", false, false]);
      expect(new TextDecoder().decode(result.stdoutBytes), "stdoutBytes").toBe("out\n");
      expect(result.durationMs, "durationMs covers the process's 300 ms").toBeGreaterThanOrEqual(250);
      // A rounding millisecond either way, as for exec.
      expect(result.durationMs, `durationMs within the ${Math.round(wall)} ms the suite measured`).toBeLessThanOrEqual(
        wall + 2,
      );
      // Every handle, and every call, gets the same outcome.
      const again = await waitBounded(handle, grace, "a second wait()");
      expect(again.exitCode, "exit code of a second wait()").toBe(3);
      const capped = await processes.start(["sh", "-c", "head -c 1000 /dev/zero"], { maxOutputBytes: 100 });
      const cappedResult = await waitBounded(capped, grace, "wait() with maxOutputBytes");
      expect([cappedResult.stdoutBytes.byteLength, cappedResult.truncated], "maxOutputBytes 100 of 1000").toEqual([
        100,
        true,
      ]);
      const slow = await processes.start(["sleep", "60"], { timeoutMs: 500 });
      const timed = await waitBounded(slow, 500 + grace, "wait() of a process past its timeoutMs");
      expect([timed.exitCode, timed.timedOut], "exit code and timedOut after timeoutMs").toEqual([137, true]);
    },
  },
  {
    id: "processes.kill.tree",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const grace = c.options.timeouts.killGraceMs;
      const ready = c.options.timeouts.networkReadyMs;
      const out = new StreamedText();
      const tree = await processes.start(["sh", "-c", "sleep 300 & echo $! > child.pid; echo ready; wait"], {
        cwd: box.scratch,
        onStdout: out.onStdout,
      });
      await out.waitFor("ready", ready, "the process tree");
      await tree.kill();
      const killed = await waitBounded(tree, grace, "wait() after kill()");
      expect(killed.exitCode, "exit code after kill() with the default signal (128 + SIGTERM)").toBe(143);
      const child = `$(cat ${box.scratch}/child.pid)`;
      const deadline = Date.now() + grace;
      while ((await c.exec(box.id, ["sh", "-c", `kill -0 ${child} 2>/dev/null && echo alive`])).stdout === "alive\n") {
        if (Date.now() > deadline) throw new Error("the grandchild (sleep 300) outlived kill() of its tree");
        await sleep(200);
      }
      // The signal is the one named: a process that ignores TERM survives it, and KILL ends it.
      const stubborn = new StreamedText();
      const ignoring = await processes.start(["sh", "-c", 'trap "" TERM; echo ready; while :; do sleep 0.2; done'], {
        onStdout: stubborn.onStdout,
      });
      await stubborn.waitFor("ready", ready, "a process ignoring SIGTERM");
      await ignoring.kill("SIGTERM");
      await sleep(700);
      expect((await listed(processes, ignoring.pid, "after SIGTERM")).state, "a process ignoring SIGTERM").toBe(
        "running",
      );
      await ignoring.kill("SIGKILL");
      expect((await waitBounded(ignoring, grace, "wait() after SIGKILL")).exitCode, "exit code after SIGKILL").toBe(
        137,
      );
      await expectSandboxError(() => ignoring.kill("SIGNOPE"), ["invalid_argument"], 'kill("SIGNOPE")');
    },
  },
  {
    id: "processes.list.states",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const grace = c.options.timeouts.killGraceMs;
      const skew = c.options.clockSkewMs;
      const before = Date.now();
      const long = await processes.start(["sleep", "60"]);
      await sleep(50);
      const short = await processes.start(["sh", "-c", "exit 5"]);
      await waitBounded(short, grace, "wait() of a process exiting 5");
      const after = Date.now();
      const all = await processes.list();
      const order = all.map((info) => info.pid).filter((pid) => pid === long.pid || pid === short.pid);
      expect(order, "list() order (oldest first)").toEqual([long.pid, short.pid]);
      const running = await listed(processes, long.pid, "a running process");
      expect([running.state, running.argv, running.pty, running.exitCode], "the running entry").toEqual([
        "running",
        ["sleep", "60"],
        false,
        undefined,
      ]);
      const started = running.startedAt.getTime();
      expect(started, "startedAt inside the window the suite observed").toBeGreaterThanOrEqual(before - skew);
      expect(started, "startedAt inside the window the suite observed").toBeLessThanOrEqual(after + skew);
      const exited = await waitForState(processes, short.pid, "exited", grace, "a process that exited 5");
      expect([exited.exitCode, exited.signal], "exit code and signal of a process that exited 5").toEqual([
        5,
        undefined,
      ]);
      expect(exited.endedAt?.getTime() ?? 0, "endedAt of the exited process").toBeGreaterThanOrEqual(
        exited.startedAt.getTime(),
      );
      await long.kill("SIGKILL");
      await waitBounded(long, grace, "wait() after SIGKILL");
      const killed = await waitForState(processes, long.pid, "exited", grace, "a killed process");
      expect([killed.exitCode, killed.signal], "exit code and signal of a SIGKILLed process").toEqual([137, "SIGKILL"]);
      expect(killed.endedAt?.getTime() ?? 0, "endedAt of the killed process").toBeLessThanOrEqual(Date.now() + skew);
    },
  },
];
