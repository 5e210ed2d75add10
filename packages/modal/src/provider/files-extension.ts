import { type FileEntry, type FileStat, type FilesExtension, hasErrorCode } from "@openlattice/core";
import type { FileInfo, Sandbox } from "modal";
import { mapModalError } from "./map-modal-error.js";
import { resolveSandboxPath } from "./sandbox-paths.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How the files extension reaches one sandbox. */
export interface FilesTarget {
  readonly externalId: string;
  sandbox(): Promise<Sandbox>;
  /** The sandbox's working directory, which relative paths are resolved against. */
  workdir(): Promise<string>;
}

/**
 * The `files` extension over the SDK's `sandbox.filesystem` API (each call is an exec of
 * Modal's fs-tools inside the sandbox). The SDK accepts absolute paths only, so relative
 * paths are resolved against the sandbox's working directory here.
 */
export function createFilesExtension(target: FilesTarget): FilesExtension {
  const resolve = (p: string) => resolveSandboxPath(p, target.workdir);
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw mapModalError(error, { operation: `files.${operation}`, externalId: target.externalId });
    }
  };
  const fs = async () => (await target.sandbox()).filesystem;

  return {
    read: async (p) => {
      const absolute = await resolve(p);
      return call("read", async () => (await fs()).readBytes(absolute));
    },
    readText: async (p) => {
      const absolute = await resolve(p);
      return decoder.decode(await call("readText", async () => (await fs()).readBytes(absolute)));
    },
    write: async (p, data) => {
      const absolute = await resolve(p);
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      // writeBytes creates missing parents itself; data comes first in its signature.
      await call("write", async () => (await fs()).writeBytes(bytes, absolute));
    },
    list: async (p) => {
      const absolute = await resolve(p);
      const entries = await call("list", async () => (await fs()).listFiles(absolute));
      return entries.map(toEntry).sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    },
    remove: async (p, options) => {
      const absolute = await resolve(p);
      try {
        await call("remove", async () => (await fs()).remove(absolute, { recursive: options?.recursive ?? false }));
      } catch (error) {
        if (!hasErrorCode(error, "not_found") || /unavailable/i.test(error.message)) throw error;
      }
    },
    mkdir: async (p) => {
      const absolute = await resolve(p);
      await call("mkdir", async () => (await fs()).makeDirectory(absolute, { createParents: true }));
    },
    stat: async (p) => {
      const absolute = await resolve(p);
      const info = await call("stat", async () => (await fs()).stat(absolute));
      const stat = toStat(info);
      // The SDK knows files, directories and symlinks only: an empty "file" may be a FIFO, a
      // socket or a device node, which FileType calls "other". One exec asks the sandbox.
      if (stat.type === "file" && stat.size === 0 && (await isSpecialFile(await target.sandbox(), absolute))) {
        return { ...stat, type: "other" };
      }
      return stat;
    },
  };
}

function toEntry(info: FileInfo): FileEntry {
  return { name: info.name, path: info.path, type: info.type, size: info.size };
}

function toStat(info: FileInfo): FileStat {
  return { ...toEntry(info), mode: info.mode & 0o7777, modifiedAt: new Date(info.modifiedTime * 1000) };
}

/** Whether `file` exists in the sandbox and is neither a regular file, a directory nor a symlink. */
async function isSpecialFile(sandbox: Sandbox, file: string): Promise<boolean> {
  try {
    const probe = await sandbox.exec(
      ["sh", "-c", '[ -e "$1" ] && [ ! -f "$1" ] && [ ! -d "$1" ] && [ ! -L "$1" ]', "sh", file],
      { mode: "binary", timeoutMs: 30_000 },
    );
    await probe.stdin.close();
    const [exitCode] = await Promise.all([probe.wait(), probe.stdout.readBytes(), probe.stderr.readBytes()]);
    return exitCode === 0;
  } catch {
    return false; // no sh in the image: what the SDK said stands
  }
}
