import type { NetworkExtension, ProcessesExtension } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, preview } from "./case-helpers.js";
import { randomPort, randomToken, serverCommand, waitForSilence, waitForToken } from "./http-server.js";
import { listed, requireProcesses, StreamedText, waitBounded } from "./process-helpers.js";

/** A process that prints a line per stdin line it reads: `one` at once, then `two`, then `three`. */
const STEPS = [
  "sh",
  "-c",
  "echo one; echo err-one >&2; read a; echo two; echo err-two >&2; read b; echo three; echo err-three >&2",
];

/** `1\n2\n…\nn\n`, the output of `seq 1 n`, long enough to be at least `bytes`. */
function seqText(bytes: number): { text: string; count: number } {
  const lines: string[] = [];
  let length = 0;
  for (let i = 1; length < bytes; i++) {
    lines.push(`${i}\n`);
    length += `${i}\n`.length;
  }
  return { text: lines.join(""), count: lines.length };
}

/** Following processes: replay, the bounded buffer, reconnecting, and the end with the sandbox. */
export const PROCESSES_ATTACH_CASES: readonly CaseDefinition[] = [
  {
    id: "processes.attach.replay",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const ready = c.options.timeouts.networkReadyMs;
      const first = new StreamedText();
      const handle = await processes.start(STEPS, { onStdout: first.onStdout, onStderr: first.onStderr });
      await first.waitFor("err-one", ready, "stderr of the started process", "stderr");
      await first.waitFor("one", ready, "stdout of the started process");
      const replay = new StreamedText();
      const replayed = await processes.attach(handle.pid, {
        fromStart: true,
        onStdout: replay.onStdout,
        onStderr: replay.onStderr,
      });
      expect(replayed.pid, "pid of the attached handle").toBe(handle.pid);
      await replay.waitFor("one\n", ready, "attach({ fromStart: true }) replaying stdout");
      await replay.waitFor("err-one\n", ready, "attach({ fromStart: true }) replaying stderr", "stderr");
      expect(replayed.outputDropped, "outputDropped of a replay within the buffer").toBe(false);
      await handle.write("\n");
      // After the replay the handle follows: output printed after attaching arrives too.
      await replay.waitFor("two\n", ready, "live output after the replay");
      const live = new StreamedText();
      const following = await processes.attach(handle.pid, { onStdout: live.onStdout, onStderr: live.onStderr });
      await handle.write("\n");
      await live.waitFor("three\n", ready, "live output of a handle attached without fromStart");
      const results = await Promise.all(
        [handle, replayed, following].map((h, i) => waitBounded(h, ready, `wait() of handle ${i}`)),
      );
      expect(
        results.map((result) => [result.exitCode, result.stdout, result.stderr]),
        "each handle's result: what it followed",
      ).toEqual([
        [0, "one\ntwo\nthree\n", "err-one\nerr-two\nerr-three\n"],
        [0, "one\ntwo\nthree\n", "err-one\nerr-two\nerr-three\n"],
        [0, "three\n", "err-three\n"],
      ]);
      expect(live.stdout, "streamed output of a handle attached without fromStart").toBe("three\n");
      // A process that has exited can still be attached to while it is listed: it replays and ends.
      const late = new StreamedText();
      const after = await processes.attach(handle.pid, { fromStart: true, onStdout: late.onStdout });
      const lateResult = await waitBounded(after, ready, "wait() of a handle attached after the exit");
      expect([lateResult.exitCode, late.stdout], "attach({ fromStart: true }) after the exit").toEqual([
        0,
        "one\ntwo\nthree\n",
      ]);
      await expectSandboxError(() => processes.attach(2_147_480_000), ["not_found"], "attach of an unknown pid");
    },
  },
  {
    id: "processes.attach.buffer",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const size = c.capabilities.constraints.processOutputBufferBytes;
      if (size === undefined || !Number.isSafeInteger(size) || size <= 0) {
        throw new Error(
          `capabilities declare the processes extension but constraints.processOutputBufferBytes is ${preview(size)}: the replay buffer's size must be documented`,
        );
      }
      const { text, count } = seqText(2 * size + 1024);
      const ready = c.options.timeouts.networkReadyMs;
      const handle = await processes.start(["sh", "-c", `seq 1 ${count}; echo done >&2`], {
        maxOutputBytes: text.length,
      });
      const full = await waitBounded(handle, ready, "wait() of a process printing twice the buffer");
      expect(full.stdout === text, "the starting handle's result holds every byte").toBe(true);
      const attached = await processes.attach(handle.pid, { fromStart: true });
      const replay = await waitBounded(attached, ready, "wait() of a handle attached after the exit");
      expect(replay.stderr, "the replayed stderr (within the buffer)").toBe("done\n");
      const kept = replay.stdout.length;
      expect(attached.outputDropped, `outputDropped after ${text.length} bytes with a ${size}-byte buffer`).toBe(true);
      expect(kept, `bytes replayed from a ${size}-byte buffer`).toBeLessThanOrEqual(size);
      // A ring buffer keeps the newest output; half of it at least, or it hardly buffers.
      expect(kept, `bytes replayed from a ${size}-byte buffer`).toBeGreaterThanOrEqual(Math.floor(size / 2));
      expect(text.endsWith(replay.stdout), "the replay is the newest output, unchanged").toBe(true);
      c.note(`replayed ${kept} of ${text.length} bytes with processOutputBufferBytes ${size}`);
    },
  },
  {
    id: "processes.attach.reconnect",
    run: async (c) => {
      const box = await c.sandbox();
      const processes = requireProcesses(c, box.id);
      const ready = c.options.timeouts.networkReadyMs;
      const first = new StreamedText();
      const handle = await processes.start(["sh", "-c", 'echo hello; read line; echo "got $line"'], {
        onStdout: first.onStdout,
      });
      await first.waitFor("hello", ready, "the started process");
      // Another orchestrator: a provider instance that did not start it, knowing only ids.
      const fresh = await c.freshProvider();
      const other = fresh.getExtension(box.id, "processes") as ProcessesExtension | undefined;
      if (!other) throw new Error("a fresh provider instance has no processes extension for the live sandbox");
      const entry = await listed(other, handle.pid, "list() of a fresh provider instance");
      expect([entry.state, entry.argv[0]], "the process as a fresh instance lists it").toEqual(["running", "sh"]);
      const replay = new StreamedText();
      const attached = await other.attach(handle.pid, { fromStart: true, onStdout: replay.onStdout });
      await replay.waitFor("hello\n", ready, "replay through a fresh provider instance");
      await attached.write("from-elsewhere\n");
      await replay.waitFor("got from-elsewhere\n", ready, "the reply to a line written by a fresh instance");
      await first.waitFor("got from-elsewhere\n", ready, "the same reply on the first instance's handle");
      const result = await waitBounded(attached, ready, "wait() through a fresh provider instance");
      expect([result.exitCode, result.stdout], "result through a fresh provider instance").toEqual([
        0,
        "hello\ngot from-elsewhere\n",
      ]);
      const exec = await fresh.exec(box.id, ["sh", "-c", "echo driven"]);
      expect(exec.stdout, "exec through a fresh provider instance").toBe("driven\n");
    },
  },
  {
    id: "processes.ends-with-sandbox",
    run: async (c) => {
      const hasNetwork = c.capabilities.extensions.includes("network");
      const port = randomPort();
      const box = await c.sandbox(hasNetwork ? { network: { ports: [port] } } : {});
      const processes = requireProcesses(c, box.id);
      const grace = c.options.timeouts.killGraceMs;
      const sleeper = await processes.start(["sleep", "600"]);
      let url: string | undefined;
      const token = randomToken();
      if (hasNetwork) {
        const server = await processes.start(await serverCommand(c, box.id, port, token));
        server.detach();
        url = await (c.provider.getExtension(box.id, "network") as NetworkExtension).getUrl(port);
        await waitForToken(url, token, c.options.timeouts.networkReadyMs);
      } else {
        c.note("the provider has no network extension: the end was observed through wait() only");
      }
      await c.provider.destroy(box.id);
      // wait() settles: with the killed process's result, or typed because the sandbox is gone.
      const settled = await waitBounded(sleeper, grace, "wait() of a process whose sandbox was destroyed").then(
        (result) => `exit ${result.exitCode}`,
        (error: unknown) => {
          if ((error as Error).message?.includes("did not settle")) throw error;
          return `rejected ${(error as { code?: string }).code ?? String(error)}`;
        },
      );
      expect(settled, "wait() after destroy").not.toBe("exit 0");
      if (url !== undefined) await waitForSilence(url, token, grace);
    },
  },
];
