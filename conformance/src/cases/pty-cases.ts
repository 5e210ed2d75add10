import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, requireExtension, sleep } from "./case-helpers.js";
import { listed, StreamedText, waitBounded } from "./process-helpers.js";

/** Lines of terminal output without the carriage returns a terminal adds. */
const lines = (text: string) => text.replaceAll("\r", "").split("\n");

/**
 * Ends the case `unsupported` when `capabilities.pty` is false, after checking that asking for
 * a terminal really is refused with `unsupported` (not ignored, which would run the command
 * without one).
 */
async function requirePty(c: CaseContext, refused: () => Promise<unknown>, what: string): Promise<void> {
  if (c.capabilities.pty) return;
  await expectSandboxError(refused, ["unsupported"], `${what} while capabilities.pty is false`);
  c.unsupported(`capabilities.pty is false and ${what} is refused with unsupported`);
}

/** A shell that reports its terminal, then waits for input, a resize and a Ctrl-C in turn. */
const INTERACTIVE = [
  "trap 'echo interrupted' INT",
  "tty >/dev/null && echo is-a-tty",
  "stty size",
  "read a",
  "stty size",
  "echo sleeping",
  "sleep 30",
  "echo after-sleep",
  "read b",
  'echo "got $b"',
].join("\n");

/** Pseudo-terminals: exec and started processes with `pty: true`. */
export const PTY_CASES: readonly CaseDefinition[] = [
  {
    id: "pty.exec.terminal",
    run: async (c) => {
      const node = await c.provision();
      const id = node.externalId;
      await requirePty(c, () => c.exec(id, ["tty"], { pty: true }), "exec with pty: true");
      const sized = await c.exec(id, ["sh", "-c", "tty; stty size; echo to-stderr >&2"], {
        pty: true,
        cols: 100,
        rows: 30,
      });
      const out = lines(sized.stdout);
      expect(sized.exitCode, `exit code of tty under a PTY (output ${JSON.stringify(sized.stdout)})`).toBe(0);
      expect(out[0]?.startsWith("/dev/"), `tty names a terminal device: ${JSON.stringify(out[0])}`).toBe(true);
      expect(out[1], "stty size with cols 100 and rows 30").toBe("30 100");
      expect(out[2], "stderr under a PTY arrives on stdout").toBe("to-stderr");
      expect(sized.stderr, "stderr under a PTY").toBe("");
      const plain = await c.exec(id, ["stty", "size"], { pty: true });
      expect(lines(plain.stdout)[0], "stty size with the default terminal size").toBe("24 80");
      const none = await c.exec(id, ["sh", "-c", "tty >/dev/null && echo terminal || echo none"]);
      expect(none.stdout, "tty without pty").toBe("none\n");
    },
  },
  {
    id: "pty.process.interactive",
    run: async (c) => {
      const node = await c.provision();
      const id = node.externalId;
      // Without the extension there is nothing to ask for a terminal: that is verified unsupported too.
      const processes = requireExtension(c, id, "processes");
      await requirePty(c, () => processes.start(["tty"], { pty: true }), "processes.start with pty: true");
      const ready = c.options.timeouts.networkReadyMs;
      const out = new StreamedText();
      const shell = await processes.start(["sh", "-c", INTERACTIVE], {
        pty: true,
        cols: 90,
        rows: 20,
        onStdout: out.onStdout,
      });
      await out.waitFor("is-a-tty", ready, "tty in a process started with pty");
      await out.waitFor("20 90", ready, "stty size with cols 90 and rows 20");
      expect((await listed(processes, shell.pid, "a PTY process")).pty, "list() pty of a PTY process").toBe(true);
      await shell.resize(120, 40);
      await shell.write("x\n");
      await out.waitFor("40 120", ready, "stty size after resize(120, 40)");
      await out.waitFor("sleeping", ready, "the shell before its foreground sleep");
      // Time for the shell to start `sleep 30` in the foreground before the interrupt.
      await sleep(500);
      await shell.write("\x03");
      await out.waitFor("interrupted", 5_000, "Ctrl-C (\\x03) interrupting the foreground sleep 30");
      await out.waitFor("after-sleep", 5_000, "the shell going on after the interrupted job");
      await shell.write("hello\n");
      await out.waitFor("got hello", ready, "a line typed into the terminal");
      const result = await waitBounded(shell, ready, "wait() of the PTY process");
      expect(result.exitCode, "exit code of the PTY process").toBe(0);
      const plain = await processes.start(["sleep", "30"]);
      await expectSandboxError(() => plain.resize(100, 30), ["invalid_argument"], "resize of a process without a PTY");
      await plain.kill("SIGKILL");
    },
  },
];
