import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type Capabilities,
  collectorsFor,
  createExecResult,
  type ExecOptions,
  type ExtensionOf,
  type FilesExtension,
  NotFoundError,
  type Provider,
  type ProvisionSpec,
  parseExecRequest,
  type SandboxInfo,
  type SnapshotRef,
  TerminatedError,
} from "@openlattice/core";

interface Box {
  root: string;
  spec: ProvisionSpec;
  createdAt: Date;
  ended: boolean;
  main?: ChildProcess;
  exitCode?: number;
}

/**
 * A tiny test backend: each sandbox is a temp directory, sandbox paths map into it, and exec
 * runs real child processes with their cwd there. Used while `@openlattice/local` was not yet
 * available, and to test the emulator without bubblewrap.
 */
export class ProcessBackend implements Provider {
  readonly name = "process";
  readonly specificationVersion = "v1" as const;
  readonly capabilities: Capabilities = {
    isolation: "none",
    snapshot: true,
    snapshotTypes: ["filesystem"],
    execStreaming: "separate",
    restart: false,
    pause: false,
    pty: false,
    gpu: false,
    logs: false,
    tailscale: false,
    architectures: ["x86_64"],
    persistentStorage: false,
    egress: ["all"],
    extensions: ["files"],
    constraints: { gpuTypes: [], imageKinds: ["host"] },
  };
  readonly #boxes = new Map<string, Box>();
  readonly #snapshots = new Map<string, string>();

  provision = async (spec: ProvisionSpec) => {
    const root = await mkdtemp(path.join(tmpdir(), "ol-modal-box-"));
    const id = `box-${randomUUID()}`;
    const box: Box = { root, spec, createdAt: new Date(), ended: false };
    this.#boxes.set(id, box);
    await mkdir(this.#map(id, spec.runtime?.workdir ?? "/"), { recursive: true });
    const command = spec.runtime?.entrypoint;
    if (command) {
      const main = spawn(command[0] ?? "", command.slice(1), {
        cwd: this.#map(id, spec.runtime?.workdir ?? "/"),
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, ...spec.runtime?.env },
        stdio: "ignore",
        detached: true,
      });
      main.on("error", () => undefined);
      main.on("close", (code, signal) => {
        box.exitCode = signal ? 137 : (code ?? 0);
        box.ended = true;
      });
      box.main = main;
    }
    return { externalId: id, provider: this.name, status: "running" as const, createdAt: new Date(), labels: {} };
  };

  exec = async (id: string, argv: readonly string[], options: ExecOptions = {}) => {
    const box = this.#live(id);
    const cwd = this.#map(id, options.cwd ?? box.spec.runtime?.workdir ?? "/");
    const started = Date.now();
    const { stdout, stderr } = collectorsFor(parseExecRequest(argv, options));
    const child = spawn(argv[0] ?? "", argv.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: box.root, ...box.spec.runtime?.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? new Uint8Array());
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        }, options.timeoutMs)
      : undefined;
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on("error", (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? resolve(127) : reject(error)));
      child.on("close", (code, signal) => resolve(signal ? 128 + (signal === "SIGKILL" ? 9 : 15) : (code ?? 0)));
    });
    if (timer) clearTimeout(timer);
    stdout.end();
    stderr.end();
    return createExecResult({
      exitCode,
      stdoutBytes: stdout.bytes(),
      stderrBytes: stderr.bytes(),
      timedOut,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: Date.now() - started,
    });
  };

  destroy = async (id: string) => {
    const box = this.#boxes.get(id);
    if (!box) return;
    if (box.main?.pid && box.exitCode === undefined) {
      try {
        process.kill(-box.main.pid, "SIGKILL");
      } catch {}
    }
    if (box.ended && box.main === undefined) return;
    box.ended = true;
    await rm(box.root, { recursive: true, force: true });
  };

  inspect = async (id: string): Promise<SandboxInfo> => {
    const box = this.#boxes.get(id);
    if (!box) throw new NotFoundError(`no sandbox ${id}`);
    return {
      externalId: id,
      provider: this.name,
      status: box.ended ? "terminated" : "running",
      createdAt: box.createdAt,
      labels: {},
      ...(box.exitCode === undefined ? {} : { exitCode: box.exitCode }),
    };
  };

  snapshot = async (id: string): Promise<SnapshotRef> => {
    const box = this.#live(id);
    const snapshotId = `snap-${randomUUID()}`;
    const target = await mkdtemp(path.join(tmpdir(), "ol-modal-snap-"));
    await cp(box.root, target, { recursive: true });
    this.#snapshots.set(snapshotId, target);
    return { provider: this.name, externalId: snapshotId, type: "filesystem", createdAt: new Date() };
  };

  restore = async (ref: SnapshotRef, overrides?: Partial<ProvisionSpec>) => {
    const source = this.#snapshots.get(ref.externalId);
    if (!source) throw new NotFoundError(`no snapshot ${ref.externalId}`);
    const node = await this.provision(overrides ?? {});
    await cp(source, this.#live(node.externalId).root, { recursive: true });
    return node;
  };

  healthCheck = async () => ({ healthy: true, latencyMs: 0 });

  getExtension = <K extends string>(id: string, name: K): ExtensionOf<K> => {
    if (name !== "files") return undefined as ExtensionOf<K>;
    const files: FilesExtension = {
      read: async (p) => new Uint8Array(await readFile(this.#path(id, p))),
      readText: async (p) => readFile(this.#path(id, p), "utf8"),
      write: async (p, data) => {
        const target = this.#path(id, p);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, data);
      },
      list: async (p) => {
        const dir = this.#path(id, p);
        const names = (await readdir(dir)).sort();
        return Promise.all(
          names.map(async (name) => {
            const info = await stat(path.join(dir, name));
            return {
              name,
              path: path.posix.join(p, name),
              type: info.isDirectory() ? ("directory" as const) : ("file" as const),
              size: info.size,
            };
          }),
        );
      },
      remove: async (p, options) => rm(this.#path(id, p), { recursive: options?.recursive ?? false, force: true }),
      mkdir: async (p) => {
        await mkdir(this.#path(id, p), { recursive: true });
      },
      stat: async (p) => {
        const info = await stat(this.#path(id, p)).catch(() => undefined);
        if (!info) throw new NotFoundError(`${p}: no such file`);
        return {
          name: path.posix.basename(p),
          path: p,
          type: info.isDirectory() ? ("directory" as const) : ("file" as const),
          size: info.size,
          mode: info.mode & 0o7777,
          modifiedAt: info.mtime,
        };
      },
    };
    return files as ExtensionOf<K>;
  };

  #live(id: string): Box {
    const box = this.#boxes.get(id);
    if (!box) throw new NotFoundError(`no sandbox ${id}`);
    if (box.ended) throw new TerminatedError(`sandbox ${id} has ended`);
    return box;
  }

  #map(id: string, sandboxPath: string): string {
    return path.join(this.#live(id).root, sandboxPath);
  }

  #path(id: string, sandboxPath: string): string {
    const box = this.#live(id);
    const absolute = sandboxPath.startsWith("/")
      ? sandboxPath
      : path.posix.join(box.spec.runtime?.workdir ?? "/", sandboxPath);
    return path.join(box.root, absolute);
  }
}
