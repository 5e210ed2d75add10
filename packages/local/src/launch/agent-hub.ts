import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { chmod, lstat, mkdir, readdir, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { InternalError, TimeoutError } from "@openlattice/core";
import { AgentConnection, type AgentHello } from "../agent/agent-connection.js";
import { currentOwner, isOwnerAlive } from "../state/owner.js";
import { SpawnerLink } from "./spawner-link.js";

/** Longest a sandbox may take from SPAWN to the agent's HELLO. */
const START_TIMEOUT_MS = 30_000;
/** What a launcher writes first on its connection: "OLA1" and 16 token bytes. */
const TOKEN_BYTES = 20;
/**
 * Sandboxes being set up at once. Setting one up is CPU-bound (bwrap builds its mounts); a
 * hundred at once on two cores leave this process waiting for a CPU for tens of milliseconds
 * at a time. One per core keeps the machine busy and the event loop responsive; the rest queue.
 */
const MAX_CONCURRENT_STARTS = Math.max(2, os.cpus().length);

/** A started sandbox process (bwrap, or the none-tier agent) and its agent connection. */
export interface AgentProcess {
  /** Host pid of the spawned process (bwrap's monitor, or the agent itself). */
  readonly pid: number;
  readonly connection: AgentConnection;
  readonly hello: AgentHello;
  /** Resolves once the spawned process has exited. */
  readonly exited: Promise<void>;
  /** Signals the spawned process (through the spawner, so never a recycled pid). */
  kill(signal?: number): void;
}

/** How to start one sandbox: the agent binary in `launch` (namespace) or `serve` (none) mode. */
export interface AgentLaunch {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly provider: string;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `<tmp>/openlattice-<uid>`, owner-only, verified to be ours (someone could have made it first). */
async function runDir(): Promise<string> {
  const dir = path.join(os.tmpdir(), `openlattice-${process.getuid?.() ?? "u"}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stats = await lstat(dir);
  if (!stats.isDirectory() || stats.uid !== process.getuid?.()) {
    throw new Error(`${dir} is not a directory owned by this user; remove it`);
  }
  await chmod(dir, 0o700);
  // Listeners of processes that died without cleaning up.
  for (const name of await readdir(dir)) {
    const match = /^hub-(\d+)-(\d+)-[0-9a-f]+\.sock$/.exec(name);
    if (match && !isOwnerAlive({ pid: Number(match[1]), startTime: Number(match[2]) })) {
      await rm(path.join(dir, name), { force: true });
    }
  }
  return dir;
}

/**
 * Starts sandboxes without this process forking itself: one `openlattice-agent spawner` (started
 * on first use) forks the launchers, and each launcher connects back to a listener in an
 * owner-only directory, introducing itself with a one-time token. Connections with an unknown
 * token are dropped. One hub per agent binary per process.
 */
export class AgentHub {
  private static readonly hubs = new Map<string, AgentHub>();
  private spawner: Promise<SpawnerLink> | undefined;
  private listener: Promise<{ server: net.Server; socketPath: string }> | undefined;
  private readonly waiting = new Map<string, (socket: net.Socket) => void>();
  private starting = 0;
  private readonly queue: (() => void)[] = [];

  private constructor(private readonly agentBinary: string) {}

  static for(agentBinary: string): AgentHub {
    let hub = AgentHub.hubs.get(agentBinary);
    if (!hub) {
      hub = new AgentHub(agentBinary);
      AgentHub.hubs.set(agentBinary, hub);
    }
    return hub;
  }

  private listen(): Promise<{ server: net.Server; socketPath: string }> {
    this.listener ??= runDir().then(
      (dir) =>
        new Promise((resolve, reject) => {
          const owner = currentOwner();
          const name = `hub-${owner.pid}-${owner.startTime}-${randomBytes(4).toString("hex")}.sock`;
          const socketPath = path.join(dir, name);
          const server = net.createServer((socket) => this.accept(socket));
          server.once("error", reject);
          server.listen(socketPath, () => {
            server.unref();
            process.once("exit", () => rmSync(socketPath, { force: true }));
            // Only our uid may connect (the directory is 0700 too).
            chmod(socketPath, 0o600).then(() => resolve({ server, socketPath }), reject);
          });
        }),
    );
    this.listener.catch(() => {
      this.listener = undefined;
    });
    return this.listener;
  }

  private accept(socket: net.Socket): void {
    socket.on("error", () => {});
    const timer = setTimeout(() => socket.destroy(), 10_000);
    timer.unref();
    const tryRead = () => {
      const head = socket.read(TOKEN_BYTES) as Buffer | null;
      if (!head) return;
      socket.off("readable", tryRead);
      clearTimeout(timer);
      const claim =
        head.subarray(0, 4).toString("latin1") === "OLA1"
          ? this.waiting.get(head.subarray(4).toString("hex"))
          : undefined;
      if (!claim) return void socket.destroy();
      claim(socket);
    };
    socket.on("readable", tryRead);
  }

  private link(provider: string): Promise<SpawnerLink> {
    const current = this.spawner;
    if (current) {
      return current.then((link) => {
        if (link.alive) return link;
        this.spawner = undefined;
        return this.link(provider);
      });
    }
    this.spawner = SpawnerLink.start(this.agentBinary, provider);
    this.spawner.catch(() => {
      this.spawner = undefined;
    });
    return this.spawner;
  }

  /**
   * Starts one sandbox process and waits for its agent's HELLO. A failure kills what was
   * started and rejects typed, with what the process printed on stderr.
   */
  async launch(launch: AgentLaunch): Promise<AgentProcess> {
    if (this.starting >= MAX_CONCURRENT_STARTS) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.starting++;
    try {
      return await this.start(launch);
    } finally {
      this.starting--;
      this.queue.shift()?.();
    }
  }

  private async start(launch: AgentLaunch): Promise<AgentProcess> {
    const [{ socketPath }, link] = await Promise.all([this.listen(), this.link(launch.provider)]);
    const token = randomBytes(16).toString("hex");
    const [mode, ...options] = launch.args;
    const argv = [launch.file, mode as string, "--connect", `${socketPath}:${token}`, ...options];
    let exited!: () => void;
    const exitedPromise = new Promise<void>((resolve) => {
      exited = resolve;
    });
    let failEarly!: (error: Error) => void;
    const early = new Promise<never>((_, reject) => {
      failEarly = reject;
    });
    early.catch(() => {});
    let pid = 0;
    const connected = new Promise<net.Socket>((resolve) => this.waiting.set(token, resolve));
    const id = link.spawn(argv, launch.cwd, {
      onSpawned: (spawned) => {
        pid = spawned;
      },
      onExited: (code, signal, stderr) => {
        exited();
        const why = stderr.trim().replace(/\s+/g, " ").slice(0, 1000);
        const how = code !== undefined ? `exit ${code}` : `signal ${signal}`;
        failEarly(
          new InternalError(`the sandbox ended before it was ready (${how})${why ? `: ${why}` : ""}`, {
            provider: launch.provider,
          }),
        );
      },
      onFailed: (error) => {
        exited();
        failEarly(error);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError(`sandbox not ready after ${START_TIMEOUT_MS} ms`, { provider: launch.provider })),
        START_TIMEOUT_MS,
      );
    });
    let connection: AgentConnection | undefined;
    try {
      const socket = await Promise.race([connected, early, deadline]);
      connection = new AgentConnection(socket, launch.provider);
      const hello = await Promise.race([connection.hello, early, deadline]).catch(async (error: unknown) => {
        // The socket may close a moment before the spawner says why the process died.
        const reason = await Promise.race([early.catch((why: unknown) => why), pause(200).then(() => error)]);
        throw reason;
      });
      return { pid, connection, hello, exited: exitedPromise, kill: (signal = 9) => link.signal(id, signal) };
    } catch (error) {
      connection?.fail(error);
      link.signal(id, 9);
      await Promise.race([exitedPromise, pause(2000)]);
      throw error;
    } finally {
      this.waiting.delete(token);
      clearTimeout(timer);
    }
  }
}
