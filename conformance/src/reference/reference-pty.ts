import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * The reference's terminals come from util-linux `script`, which runs a command under a fresh
 * pseudo-terminal and relays it over plain pipes: no native module needed. Where it is missing
 * (not Linux, or no util-linux) the reference declares `pty: false`.
 */
function findScript(): string | undefined {
  if (process.platform !== "linux") return undefined;
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    const candidate = join(dir || ".", "script");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const SCRIPT = findScript();

/** Whether this host can give commands a terminal. Constant for the process's lifetime. */
export const PTY_AVAILABLE = SCRIPT !== undefined;

const quote = (value: string) => `'${value.replaceAll("'", `'"'"'`)}'`;

/** What the command under the terminal reports about itself once it starts. */
export interface PtySession {
  /** The terminal device (`/dev/pts/N`), which `stty -F` resizes. */
  readonly device: string;
  /** The session leader: the command itself, whose process group the terminal's signals reach. */
  readonly pgid: number;
}

/** A command wrapped to run under a terminal of the given size. */
export interface PtyLaunch {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  /** The session, once the command has started (read from a file the wrapper writes). */
  session(): PtySession | undefined;
}

/**
 * Wraps `argv` to run under a terminal: `script` starts a shell in a new session on a new
 * terminal, which records the device and its own pid in `dir`, sets the size and `exec`s the
 * command (so the command leads the session). Stdin typed into `script` reaches the terminal,
 * so `\x03` interrupts the foreground job and end-of-file reaches the command as Ctrl-D.
 */
export function ptyLaunch(
  argv: readonly string[],
  size: { cols: number; rows: number },
  env: Readonly<Record<string, string>>,
  dir: string,
): PtyLaunch {
  if (!SCRIPT) throw new Error("no util-linux script on this host");
  const info = join(dir, `pty-${randomUUID()}`);
  // script runs the line with $SHELL: a POSIX shell here, and the caller's SHELL for the command.
  const shell = env.SHELL === undefined ? "unset SHELL" : `SHELL=${quote(env.SHELL)}; export SHELL`;
  const line = [
    `printf '%s %s\\n' "$(tty)" "$$" > ${quote(info)}`,
    `stty cols ${size.cols} rows ${size.rows}`,
    shell,
    `exec ${argv.map(quote).join(" ")}`,
  ].join("; ");
  let session: PtySession | undefined;
  return {
    argv: [SCRIPT, "-q", "-e", "-c", line, "/dev/null"],
    env: { ...env, SHELL: "/bin/sh" },
    session: () => {
      if (session) return session;
      try {
        const [device = "", pid = ""] = readFileSync(info, "utf8").trim().split(" ");
        if (device.startsWith("/dev/") && Number(pid) > 0) session = { device, pgid: Number(pid) };
      } catch {
        // Not started yet.
      }
      return session;
    },
  };
}

/** Waits (briefly) for the command under the terminal to have started and recorded its session. */
export async function ptySession(launch: PtyLaunch, timeoutMs = 5_000): Promise<PtySession | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const session = launch.session();
    if (session || Date.now() > deadline) return session;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sets the terminal's size; the kernel then sends SIGWINCH to its foreground job. */
export async function resizePty(session: PtySession, cols: number, rows: number): Promise<void> {
  await promisify(execFile)("stty", ["-F", session.device, "cols", String(cols), "rows", String(rows)]);
}
