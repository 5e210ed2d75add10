import path from "node:path";
import {
  type Capabilities,
  DEFAULT_MAX_OUTPUT_BYTES,
  InvalidArgumentError,
  NotFoundError,
  type ProcessAttachOptions,
  type ProcessesExtension,
  type ProcessInfo,
  parseProcessStart,
  UnsupportedError,
} from "@openlattice/core";
import type { Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";
import { ModalProcess } from "./modal-process.js";
import { ModalProcessHandle, subscriberFor } from "./process-handle.js";
import { parseProcessRecords } from "./process-records.js";
import { LIST_ARGV, PRUNE_SCRIPT } from "./process-scripts.js";
import { checkEnvNames } from "./validate-spec.js";

const PROVIDER = "modal";

/** Finished processes the sandbox's records keep for `list`. */
const KEEP_FINISHED = 64;
/**
 * Finished processes a table keeps for `attach` (each holds up to two output rings, so at most
 * 32 MiB per sandbox); older ones are still listed from the records.
 */
const KEEP_FINISHED_IN_MEMORY = 16;

/** The processes one provider instance started in one sandbox, oldest first. */
export class ProcessTable {
  readonly #processes = new Map<number, ModalProcess>();

  add(process: ModalProcess): void {
    this.#processes.set(process.pid, process);
    const finished = [...this.#processes.values()].filter((entry) => !entry.running);
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED_IN_MEMORY))) {
      this.#processes.delete(old.pid);
    }
  }

  get(pid: number): ModalProcess | undefined {
    return this.#processes.get(pid);
  }

  all(): ModalProcess[] {
    return [...this.#processes.values()];
  }
}

/** How the extension reaches one sandbox. */
export interface ProcessesTarget {
  readonly externalId: string;
  readonly capabilities: Capabilities;
  readonly table: ProcessTable;
  sandbox(): Promise<Sandbox>;
  workdir(): Promise<string>;
}

const ATTACH_KEYS = new Set(["fromStart", "onStdout", "onStderr", "onStdoutBytes", "onStderrBytes"]);

/**
 * The `processes` extension on Modal. A process is a Modal exec that keeps running when nobody
 * follows it and ends with the sandbox. This provider instance reads its output from the start
 * (a ring buffer of `constraints.processOutputBufferBytes` per stream), so `attach` works from
 * any handle of the same instance. Another instance sees it in `list` (from records kept in the
 * sandbox) but cannot follow it: the modal SDK cannot read the output of an exec another client
 * started, so `attach` there is `unsupported`.
 */
export function createProcessesExtension(target: ProcessesTarget): ProcessesExtension {
  const bufferBytes = target.capabilities.constraints.processOutputBufferBytes ?? 0;
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw mapModalError(error, { operation: `processes.${operation}`, externalId: target.externalId });
    }
  };

  const records = async () => {
    const sandbox = await target.sandbox();
    return call("list", async () => {
      const lister = await sandbox.exec([...LIST_ARGV], { mode: "binary", timeoutMs: 30_000 });
      await lister.stdin.close();
      const [output] = await Promise.all([lister.stdout.readBytes(), lister.stderr.readBytes(), lister.wait()]);
      return parseProcessRecords(output);
    });
  };

  return {
    start: async (argv, options) => {
      const request = parseProcessStart(argv, options, PROVIDER, target.capabilities);
      checkEnvNames(request.env, "env");
      const sandbox = await target.sandbox();
      const cwd =
        request.cwd === undefined || request.cwd.startsWith("/")
          ? request.cwd
          : path.posix.resolve(await target.workdir(), request.cwd);
      const subscriber = subscriberFor(request, request.maxOutputBytes);
      const process = await call("start", () =>
        ModalProcess.start(
          sandbox,
          {
            argv: request.argv,
            env: request.env,
            workdir: cwd,
            pty: request.pty,
            timeoutMs: request.timeoutMs,
            bufferBytes,
          },
          subscriber,
        ),
      );
      target.table.add(process);
      const handle = new ModalProcessHandle(process, subscriber, false);
      if (request.stdin && request.stdin.byteLength > 0) await handle.write(request.stdin);
      return handle;
    },

    list: async () => {
      const own = target.table.all();
      const kept = await records();
      const byPid = new Map<number, ProcessInfo>();
      for (const record of kept) {
        const { alive: _alive, ...info } = record;
        byPid.set(record.pid, info);
      }
      // What this instance saw itself is exact (exit codes, end times); records fill in the rest.
      for (const process of own) byPid.set(process.pid, process.info());
      const ended = kept.filter((record) => !record.alive && !target.table.get(record.pid)?.running);
      if (ended.length > KEEP_FINISHED) void prune(target, ended.slice(0, ended.length - KEEP_FINISHED));
      return [...byPid.values()].sort((left, right) => left.startedAt.getTime() - right.startedAt.getTime());
    },

    attach: async (pid, options) => {
      if (!Number.isSafeInteger(pid) || pid <= 0) {
        throw new InvalidArgumentError("pid", "must be a positive integer", { provider: PROVIDER });
      }
      const given = checkAttachOptions(options);
      const process = target.table.get(pid);
      if (!process) {
        const record = (await records()).find((entry) => entry.pid === pid);
        if (record) {
          throw new UnsupportedError(
            "processes.attach",
            `process ${pid} is not followed by this provider instance (another client started it, or it ended long ago); the modal SDK can only read the output of execs this instance started (list shows it; run exec(["kill", "${pid}"]) to stop it)`,
            { provider: PROVIDER, details: { pid, state: record.state } },
          );
        }
        throw new NotFoundError(`process ${pid} not found in sandbox ${target.externalId}`, {
          provider: PROVIDER,
          details: { pid },
        });
      }
      const subscriber = subscriberFor(given, DEFAULT_MAX_OUTPUT_BYTES);
      const { dropped } = process.subscribe(subscriber, given.fromStart === true);
      return new ModalProcessHandle(process, subscriber, dropped);
    },
  };
}

function checkAttachOptions(options: unknown): ProcessAttachOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidArgumentError("options", "must be an object", { provider: PROVIDER });
  }
  const given = options as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!ATTACH_KEYS.has(key)) throw new InvalidArgumentError(key, "unknown attach option", { provider: PROVIDER });
    if (key === "fromStart" ? typeof value !== "boolean" : typeof value !== "function") {
      throw new InvalidArgumentError(key, key === "fromStart" ? "must be a boolean" : "must be a function", {
        provider: PROVIDER,
      });
    }
  }
  return given as ProcessAttachOptions;
}

async function prune(target: ProcessesTarget, records: readonly ProcessInfo[]): Promise<void> {
  try {
    const sandbox = await target.sandbox();
    const pruner = await sandbox.exec(["sh", "-c", PRUNE_SCRIPT, "prune", ...records.map((r) => String(r.pid))], {
      mode: "binary",
      timeoutMs: 30_000,
    });
    await pruner.stdin.close();
    await pruner.wait();
  } catch {
    // Pruning is housekeeping: the next list tries again.
  }
}
