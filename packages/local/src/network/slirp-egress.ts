import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { UnsupportedError } from "@openlattice/core";
import { findExecutable } from "../host/find-executable.js";

/** Descriptor the parent user namespace is passed to slirp4netns on. */
const USERNS_FD = 5;

/** How long slirp4netns gets to configure the sandbox's interface. */
const READY_TIMEOUT_MS = 10_000;

/** A running slirp4netns that gives one sandbox its outbound network. */
export interface SlirpEgress {
  readonly pid: number;
  /** Ends it (closing its exit fd, then SIGKILL) and waits until it is gone. */
  stop(): Promise<void>;
}

/**
 * Why egress "all" cannot get a private network namespace here, or undefined when it can:
 * slirp4netns must exist, and /dev/net/tun must be usable by us (it is 0666 on most
 * distributions; some containers make it root-only). Checked once, when the provider is made.
 */
export function slirpProblem(root: boolean): string | undefined {
  if (!findExecutable("slirp4netns"))
    return "slirp4netns is not installed (Debian/Ubuntu: apt-get install slirp4netns)";
  try {
    accessSync("/dev/net/tun", root ? constants.F_OK : constants.R_OK | constants.W_OK);
  } catch {
    return root ? "/dev/net/tun does not exist" : "/dev/net/tun is not readable and writable by this user";
  }
  return undefined;
}

/** slirp4netns, or `unsupported` saying why egress "all" is unavailable (see `slirpProblem`). */
export function slirpBinary(provider: string, problem: string | undefined): string {
  const slirp = problem === undefined ? findExecutable("slirp4netns") : undefined;
  if (!slirp) {
    throw new UnsupportedError(
      "network.egress",
      `network.egress "all" needs a private network namespace through slirp4netns, and ${problem ?? "slirp4netns is missing"}; or pass allowHostLoopback: true to share the host's network namespace (host loopback services reachable)`,
      { provider },
    );
  }
  return slirp;
}

/** The sandbox's pid 1 (the agent): the only child of bubblewrap's monitor process. */
async function sandboxInit(bwrapPid: number): Promise<number> {
  const children = await readFile(`/proc/${bwrapPid}/task/${bwrapPid}/children`, "utf8");
  const pid = Number(children.trim().split(/\s+/)[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bubblewrap ${bwrapPid} has no sandbox process`);
  return pid;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/**
 * Connects the sandbox's private network namespace to the outside through slirp4netns: a
 * user-mode TCP/IP stack on the host that makes every outbound connection with the host's own
 * sockets. `--disable-host-loopback` stops the one way back in (10.0.2.2 would otherwise be the
 * host's 127.0.0.1), and the namespace stays private, so host loopback listeners, host abstract
 * Unix sockets and other sandboxes' relayed ports are out of reach. slirp4netns runs sandboxed
 * (`--enable-sandbox`: its own mount namespace and no capabilities once set up;
 * `--enable-seccomp`) as our own user (root may open /dev/net/tun where it is root-only), and
 * exits when its exit fd closes — also when the orchestrator dies.
 */
export async function startSlirpEgress(input: {
  readonly slirp: string;
  /** The agent binary: its `userns-parent` command opens the namespace slirp4netns must join. */
  readonly agentBinary: string;
  readonly bwrapPid: number;
}): Promise<SlirpEgress> {
  const target = await sandboxInit(input.bwrapPid);
  const child = spawn(
    input.agentBinary,
    [
      "userns-parent",
      String(target),
      String(USERNS_FD),
      "--",
      input.slirp,
      "--configure",
      "--mtu=65520",
      "--disable-host-loopback",
      "--enable-sandbox",
      "--enable-seccomp",
      "--ready-fd=3",
      "--exit-fd=4",
      // Join the user namespace that owns the sandbox's network namespace first (its owner, our
      // uid, has every capability there); bwrap nested the sandbox's own one inside it.
      `--userns-path=/proc/self/fd/${USERNS_FD}`,
      String(target),
      "tap0",
    ],
    {
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
      env: {},
    },
  );
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < 16) stderr.push(chunk);
  });
  const gone = exited(child);
  const ready = child.stdio[3] as Readable;
  const exitFd = child.stdio[4] as Readable & { destroy(): void };
  const stop = async () => {
    exitFd.destroy();
    const quit = await Promise.race([gone.then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))]);
    if (!quit) child.kill("SIGKILL");
    await gone;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("slirp4netns did not become ready")), READY_TIMEOUT_MS);
      ready.once("data", () => {
        clearTimeout(timer);
        resolve();
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`slirp4netns exited (${code}): ${Buffer.concat(stderr).toString().trim()}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  ready.destroy();
  return { pid: child.pid ?? 0, stop };
}
