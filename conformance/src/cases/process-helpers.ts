import type { ExecResult, ProcessesExtension, ProcessHandle, ProcessInfo } from "@openlattice/core";
import type { CaseContext } from "../suite/case-context.js";
import { withDeadline } from "../suite/sandbox-tracker.js";
import { preview, requireExtension, sleep } from "./case-helpers.js";

/**
 * Text a handle streams, collected as it arrives, so that a case can wait until the process
 * has printed something before it acts (a process is interactive: order matters).
 */
export class StreamedText {
  stdout = "";
  stderr = "";
  readonly onStdout = (chunk: string): void => {
    this.stdout += chunk;
  };
  readonly onStderr = (chunk: string): void => {
    this.stderr += chunk;
  };

  /** Waits until `stream` contains `needle`; throws after `timeoutMs` showing what arrived. */
  async waitFor(
    needle: string,
    timeoutMs: number,
    what: string,
    stream: "stdout" | "stderr" = "stdout",
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this[stream].includes(needle)) {
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: ${JSON.stringify(needle)} never arrived on ${stream} within ${timeoutMs} ms; got ${preview(this[stream].slice(-300))}`,
        );
      }
      await sleep(25);
    }
  }
}

/** The processes extension of a sandbox, verified against the capabilities (see `requireExtension`). */
export function requireProcesses(c: CaseContext, id: string): ProcessesExtension {
  return requireExtension(c, id, "processes");
}

/** `handle.wait()`, bounded: a wait that never settles is a failure, not a hung case. */
export function waitBounded(handle: ProcessHandle, ms: number, what: string): Promise<ExecResult> {
  return withDeadline(handle.wait(), ms, what);
}

/** The entry of `pid` in `list()`; throws when it is missing. */
export async function listed(processes: ProcessesExtension, pid: number, what: string): Promise<ProcessInfo> {
  const all = await processes.list();
  const entry = all.find((info) => info.pid === pid);
  if (!entry) throw new Error(`${what}: list() has no process ${pid}; it lists ${preview(all.map((p) => p.pid))}`);
  return entry;
}

/** Polls `list()` until `pid` is in `state`; throws with the last entry after `timeoutMs`. */
export async function waitForState(
  processes: ProcessesExtension,
  pid: number,
  state: ProcessInfo["state"],
  timeoutMs: number,
  what: string,
): Promise<ProcessInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = await listed(processes, pid, what);
    if (entry.state === state) return entry;
    if (Date.now() > deadline) throw new Error(`${what}: process ${pid} is still ${entry.state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Reads a counter file a background loop rewrites, twice, `gapMs` apart; throws unless it grew
 * (the loop is still running).
 */
export async function expectCounterMoving(c: CaseContext, id: string, path: string, what: string): Promise<void> {
  const read = async () => Number((await c.mustExec(id, ["cat", path])).stdout.trim());
  const first = await read();
  await sleep(700);
  const second = await read();
  if (!(Number.isFinite(first) && second > first)) {
    throw new Error(`${what}: the process's counter went from ${first} to ${second}; it is not running`);
  }
}

/** A shell loop that rewrites `counter` (in its cwd) ten times a second, after printing `started`. */
export const COUNTER_LOOP =
  "echo started; i=0; while :; do i=$((i+1)); echo $i > counter.tmp; mv counter.tmp counter; sleep 0.1; done";
