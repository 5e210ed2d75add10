import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { InternalError, TimeoutError } from "@openlattice/core";
import { AgentConnection, type AgentHello } from "../agent/agent-connection.js";
import { queuedSpawn } from "./spawn-queue.js";

/** Longest a sandbox may take from spawn to the agent's HELLO. */
const START_TIMEOUT_MS = 30_000;
/** Diagnostics kept from the launcher's, bwrap's and the agent's stderr. */
const STDERR_LIMIT = 4096;

/** A started sandbox process (bwrap or, in the none tier, the agent) and its agent connection. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly connection: AgentConnection;
  readonly hello: AgentHello;
  /** Resolves once the spawned process has exited (then nothing of the sandbox runs any more). */
  readonly exited: Promise<void>;
  /** What the process printed on stderr (bounded). */
  stderr(): string;
}

/** How to start one sandbox: the agent binary in `launch` (namespace) or `serve` (none) mode. */
export interface AgentLaunch {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly provider: string;
}

/**
 * Spawns the launcher with an empty environment and only stdin/stdout (/dev/null), stderr and
 * the agent's socket (fd 3, a socketpair: no path anyone could connect to), then waits for the
 * agent's HELLO. A failure kills what was started and rejects typed.
 */
export async function startAgentProcess(launch: AgentLaunch): Promise<AgentProcess> {
  const child = await queuedSpawn(launch.file, launch.args, {
    cwd: launch.cwd,
    env: {},
    stdio: ["ignore", "ignore", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk.toString("utf8").slice(0, STDERR_LIMIT - stderr.length);
  });
  child.stderr?.on("error", () => {});
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  const socket = child.stdio[3] as Socket;
  const connection = new AgentConnection(socket, launch.provider);
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const describe = () => stderr.trim().replace(/\s+/g, " ").slice(0, 1000);
  let timer: NodeJS.Timeout | undefined;
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  try {
    const hello = await Promise.race([
      connection.hello,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new TimeoutError(`sandbox not ready after ${START_TIMEOUT_MS} ms`, { provider: launch.provider })),
          START_TIMEOUT_MS,
        );
      }),
    ]);
    return { child, connection, hello, exited, stderr: describe };
  } catch (error) {
    connection.fail(error);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    // Let the last stderr bytes arrive: they say why (bwrap's own messages, mostly).
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (error instanceof TimeoutError) throw error;
    const why = spawnError?.message ?? describe();
    throw new InternalError(
      `the sandbox ended before it was ready (exit ${child.exitCode ?? child.signalCode})${why ? `: ${why}` : ""}`,
      { provider: launch.provider, cause: error },
    );
  } finally {
    if (timer) clearTimeout(timer);
  }
}
