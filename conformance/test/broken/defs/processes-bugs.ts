import { constants } from "node:os";
import { NotFoundError, type ProcessesExtension, type ProcessInfo, type Provider } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import { sandboxes } from "../../../src/reference/reference-state.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { patchExtension, patchHandles } from "../support/patch-extension.js";

/** Process groups a broken destroy left running, killed after the file. */
const orphans = new Set<number>();

/** Bug: destroy ends the sandbox's own processes but forgets the ones started through `processes`. */
class DestroyForgetsProcesses extends ReferenceProvider {
  override async destroy(externalId: string): Promise<void> {
    const sandbox = sandboxes.get(externalId);
    for (const pid of sandbox?.processes.keys() ?? []) {
      sandbox?.groups.delete(pid);
      orphans.add(pid);
    }
    await super.destroy(externalId);
  }
}

/**
 * Bug: each provider instance remembers the processes it started and shows only those, the
 * way a client-side process table does; another orchestrator cannot find them.
 */
function perInstanceTable(): Provider {
  const mine = new Set<number>();
  return patchExtension(
    "processes",
    (real, id): ProcessesExtension => ({
      start: async (argv, options) => {
        const handle = await real.start(argv, options);
        mine.add(handle.pid);
        return handle;
      },
      list: async () => (await real.list()).filter((info) => mine.has(info.pid)),
      attach: (pid, options) =>
        mine.has(pid)
          ? real.attach(pid, options)
          : Promise.reject(new NotFoundError(`no process ${pid} in ${id}`, { provider: "reference" })),
    }),
  )();
}

/** True for a signal name the host knows; other names go to the real kill, which refuses them. */
const known = (signal: string) => signal in constants.signals;

/** Background processes, each with one realistic bug. */
export const PROCESSES_BUGS: readonly BrokenProvider[] = [
  {
    bug: "detach() kills the process (background commands die when nobody follows them)",
    base: "reference",
    fails: ["processes.start.background"],
    create: patchExtension("processes", (real) =>
      patchHandles(real, (handle) => ({ detach: () => void handle.kill("SIGKILL") })),
    ),
  },
  {
    bug: "a start with a missing cwd runs the process in the workdir instead",
    base: "reference",
    fails: ["processes.start.invalid"],
    create: patchExtension("processes", (real) => ({
      ...real,
      start: (argv, options) =>
        real.start(argv, options).catch((error: unknown) => {
          if (options?.cwd === undefined || (error as { code?: string }).code !== "not_found") throw error;
          const { cwd: _cwd, ...rest } = options;
          return real.start(argv, rest);
        }),
      list: () => real.list(),
      attach: (pid, options) => real.attach(pid, options),
    })),
  },
  {
    bug: "writes to stdin are buffered until closeStdin (an interactive process sees nothing)",
    base: "reference",
    fails: ["processes.stdin"],
    create: patchExtension("processes", (real) =>
      patchHandles(real, (handle) => {
        const pending: (string | Uint8Array)[] = [];
        return {
          write: async (data) => {
            pending.push(data);
          },
          closeStdin: async () => {
            for (const data of pending.splice(0)) await handle.write(data);
            await handle.closeStdin();
          },
        };
      }),
    ),
  },
  {
    bug: "a process killed by its timeoutMs reports timedOut false",
    base: "reference",
    fails: ["processes.wait.result"],
    create: patchExtension("processes", (real) =>
      patchHandles(real, (handle) => ({ wait: async () => ({ ...(await handle.wait()), timedOut: false }) })),
    ),
  },
  {
    bug: "kill() signals the process only, not its process group (grandchildren survive)",
    base: "reference",
    fails: ["processes.kill.tree"],
    create: patchExtension("processes", (real) =>
      patchHandles(real, (handle) => ({
        kill: async (signal = "SIGTERM") => {
          if (!known(signal)) return handle.kill(signal);
          try {
            process.kill(handle.pid, signal as NodeJS.Signals);
          } catch {
            // already gone
          }
        },
      })),
    ),
  },
  {
    bug: "kill() always sends SIGKILL, whatever signal is named",
    base: "reference",
    fails: ["processes.kill.tree"],
    create: patchExtension("processes", (real) =>
      patchHandles(real, (handle) => ({
        kill: (signal) => handle.kill(signal !== undefined && !known(signal) ? signal : "SIGKILL"),
      })),
    ),
  },
  {
    bug: "list() caches each process as it was at start: finished ones stay running",
    base: "reference",
    fails: ["processes.list.states"],
    create: patchExtension("processes", (real) => {
      const seen = new Map<number, ProcessInfo>();
      return {
        ...real,
        start: (argv, options) => real.start(argv, options),
        attach: (pid, options) => real.attach(pid, options),
        list: async () =>
          (await real.list()).map((info) => {
            if (!seen.has(info.pid)) seen.set(info.pid, { ...info, state: "running" });
            return seen.get(info.pid) as ProcessInfo;
          }),
      };
    }),
  },
  {
    bug: "attach() without fromStart replays the buffered output anyway",
    base: "reference",
    fails: ["processes.attach.replay"],
    create: patchExtension("processes", (real) => ({
      start: (argv, options) => real.start(argv, options),
      list: () => real.list(),
      attach: (pid, options) => real.attach(pid, { ...options, fromStart: true }),
    })),
  },
  {
    bug: "outputDropped is never set: a truncated replay looks complete",
    base: "reference",
    fails: ["processes.attach.buffer"],
    create: patchExtension("processes", (real) => patchHandles(real, () => ({ outputDropped: false }))),
  },
  {
    bug: "the process table lives in the provider instance: a fresh instance finds no process",
    base: "reference",
    fails: ["processes.attach.reconnect"],
    create: perInstanceTable,
  },
  {
    bug: "destroy ends the sandbox but leaves the processes started through processes.start running",
    base: "reference",
    fails: ["processes.ends-with-sandbox"],
    create: () => new DestroyForgetsProcesses(),
    dispose: () => {
      for (const pid of orphans) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  },
];
