import { exitCodeForSignal, InvalidArgumentError } from "@openlattice/core";

/** Signals `kill` accepts, by name (Linux numbers; 128 + N is the exit code they cause). */
const SIGNALS = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGXCPU",
  "SIGXFSZ",
] as const;

/** Validates a `kill` signal (`"SIGTERM"`, `"TERM"`); returns its `SIG…` name. */
export function parseSignal(signal: unknown): string {
  if (signal === undefined) return "SIGTERM";
  if (typeof signal !== "string") {
    throw new InvalidArgumentError("signal", 'must be a signal name such as "SIGTERM"', { provider: "modal" });
  }
  const name = signal.startsWith("SIG") ? signal : `SIG${signal}`;
  if (!(SIGNALS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      "signal",
      `unknown signal ${JSON.stringify(signal)}; use one of ${SIGNALS.join(", ")}`,
      {
        provider: "modal",
      },
    );
  }
  return name;
}

/**
 * The signal an exit code stands for (128 + N), when it is one of the known signals. Modal
 * reports a signalled exec as 128 + N, the same number as an exit status, so this is an
 * inference: a command that called `exit(143)` reads as SIGTERM too.
 */
export function signalName(exitCode: number): string | undefined {
  if (exitCode <= 128) return undefined;
  return SIGNALS.find((name) => exitCodeForSignal(name) === exitCode);
}
