import { stat as followStat, mkdir, rm, writeFile } from "node:fs/promises";
import { basename, posix } from "node:path";
import { type FilesExtension, InvalidArgumentError, NotFoundError, type Provider } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import { sandboxes } from "../../../src/reference/reference-state.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();
const local = localFactory();

/** A broken provider whose files extension is the real one with some methods replaced. */
function patchedFiles(
  base: () => Provider,
  patch: (files: FilesExtension, id: string) => Partial<FilesExtension>,
): () => Provider {
  return () =>
    wrapProvider(base(), (inner) => ({
      getExtension: ((id: string, name: string) => {
        const extension = inner.getExtension(id, name);
        if (name !== "files" || extension === undefined) return extension;
        const files = extension as FilesExtension;
        return { ...bound(files), ...patch(files, id) };
      }) as Provider["getExtension"],
    }));
}

/** The methods of a files extension, bound, so they survive being spread into a new object. */
function bound(files: FilesExtension): FilesExtension {
  return {
    read: (path) => files.read(path),
    readText: (path) => files.readText(path),
    write: (path, data) => files.write(path, data),
    list: (path) => files.list(path),
    remove: (path, options) => files.remove(path, options),
    mkdir: (path) => files.mkdir(path),
    stat: (path) => files.stat(path),
  };
}

/** The host path of a reference sandbox's file (the reference has no boundary: they are the same). */
const hostPath = (id: string, path: string) => posix.resolve(sandboxes.get(id)?.workdir ?? "/", path);

/** Host files a broken local provider wrote outside its sandboxes; removed after the file. */
const strayHostFiles = new Set<string>();

/** The `files` extension. */
export const FILES_BUGS: readonly BrokenProvider[] = [
  {
    bug: "readText trims trailing whitespace and newlines",
    base: "reference",
    fails: ["files.text.round-trip"],
    create: patchedFiles(reference, (files) => ({ readText: async (path) => (await files.readText(path)).trimEnd() })),
  },
  {
    bug: "small binary writes (up to 1 MiB) go through a text channel that re-encodes them as UTF-8",
    base: "local",
    fails: ["files.binary.round-trip"],
    create: patchedFiles(local, (files) => ({
      write: (path, data) =>
        files.write(
          path,
          typeof data !== "string" && data.byteLength <= 1024 * 1024 ? new TextDecoder().decode(data) : data,
        ),
    })),
  },
  {
    bug: "a chunked upload stops after the first 32 MiB",
    base: "reference",
    fails: ["files.large.round-trip"],
    create: patchedFiles(reference, (files) => ({
      write: (path, data) => files.write(path, typeof data === "string" ? data : data.subarray(0, 32 * 1024 * 1024)),
    })),
  },
  {
    bug: "constraints.maxFileBytes (2 MiB) is declared but not enforced",
    base: "reference",
    fails: ["files.max-bytes.boundary"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        capabilities: {
          ...inner.capabilities,
          constraints: { ...inner.capabilities.constraints, maxFileBytes: 2 * 1024 * 1024 },
        },
      })),
  },
  {
    bug: "the maxFileBytes check is off by one (a file of exactly the limit is refused)",
    base: "reference",
    fails: ["files.max-bytes.boundary"],
    create: () => {
      const limit = 2 * 1024 * 1024;
      return patchedFiles(
        () =>
          wrapProvider(reference(), (inner) => ({
            capabilities: {
              ...inner.capabilities,
              constraints: { ...inner.capabilities.constraints, maxFileBytes: limit },
            },
          })),
        (files) => ({
          write: (path, data) => {
            const size = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
            if (size >= limit)
              return Promise.reject(
                new InvalidArgumentError("data", `must be under ${limit} bytes`, { provider: "reference" }),
              );
            return files.write(path, data);
          },
          read: async (path) => {
            const bytes = await files.read(path);
            if (bytes.byteLength >= limit)
              throw new InvalidArgumentError("path", `${path} is too large`, { provider: "reference" });
            return bytes;
          },
        }),
      )();
    },
  },
  {
    bug: "relative paths are resolved against / instead of the working directory",
    base: "reference",
    fails: ["files.exec.consistent"],
    create: () => {
      const absolute = (path: string) => (path.startsWith("/") ? path : posix.resolve("/", path));
      return patchedFiles(reference, (files) => ({
        write: (path, data) => files.write(absolute(path), data),
        readText: (path) => files.readText(absolute(path)),
        read: (path) => files.read(absolute(path)),
        remove: (path, options) => files.remove(absolute(path), options),
      }))();
    },
  },
  {
    bug: "list returns entries in reverse order",
    base: "reference",
    fails: ["files.list"],
    create: patchedFiles(reference, (files) => ({ list: async (path) => (await files.list(path)).reverse() })),
  },
  {
    bug: "stat reports the full path as name",
    base: "local",
    fails: ["files.stat"],
    create: patchedFiles(local, (files) => ({ stat: async (path) => ({ ...(await files.stat(path)), name: path }) })),
  },
  {
    bug: "stat reports the change time (ctime) as modifiedAt",
    base: "reference",
    fails: ["files.stat.agrees"],
    create: patchedFiles(reference, (files, id) => ({
      stat: async (path) => {
        const real = await files.stat(path);
        return { ...real, modifiedAt: (await followStat(hostPath(id, path))).ctime };
      },
    })),
  },
  {
    bug: "stat and list follow symlinks (stat instead of lstat)",
    base: "reference",
    fails: ["files.symlink.not-followed"],
    create: patchedFiles(reference, (files, id) => {
      const followed = async (path: string) => {
        const info = await followStat(hostPath(id, path)).catch((error: unknown) => {
          throw new NotFoundError(`${path}: ${String(error)}`, { provider: "reference" });
        });
        return info.isDirectory() ? ("directory" as const) : ("file" as const);
      };
      return {
        stat: async (path) => ({ ...(await files.stat(path)), type: await followed(path) }),
        list: async (path) =>
          Promise.all(
            (await files.list(path)).map(async (entry) => ({
              ...entry,
              type: entry.type === "symlink" ? await followed(entry.path).catch(() => entry.type) : entry.type,
            })),
          ),
      };
    }),
  },
  {
    bug: "mkdir creates only the last path component",
    base: "reference",
    fails: ["files.mkdir.parents"],
    create: patchedFiles(reference, (_files, id) => ({
      mkdir: async (path) => {
        await mkdir(hostPath(id, path)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw new NotFoundError(`${path}: ${error.message}`, { provider: "reference" });
        });
      },
    })),
  },
  {
    bug: "remove with recursive ignores the flag (rmdir)",
    base: "reference",
    fails: ["files.remove.recursive"],
    create: patchedFiles(reference, (files) => ({ remove: (path) => files.remove(path) })),
  },
  {
    bug: "remove deletes non-empty directories without recursive (rm -rf always)",
    base: "local",
    fails: ["files.remove.non-empty"],
    create: patchedFiles(local, (files) => ({ remove: (path) => files.remove(path, { recursive: true }) })),
  },
  {
    bug: "reading a missing file throws invalid_argument",
    base: "reference",
    fails: ["files.not-found"],
    create: patchedFiles(reference, (files) => ({
      read: (path) =>
        files.read(path).catch((error: unknown) => {
          throw new InvalidArgumentError("path", `cannot read ${path}: ${String(error)}`, { provider: "reference" });
        }),
    })),
  },
  {
    bug: "paths with .. are resolved on the host instead of inside the sandbox",
    base: "local",
    fails: ["files.path.confined"],
    dispose: async () => {
      await Promise.all([...strayHostFiles].map((path) => rm(path, { force: true })));
    },
    create: patchedFiles(local, (files) => ({
      write: async (path, data) => {
        if (!path.split("/").includes("..")) return files.write(path, data);
        const target = posix.resolve("/", path);
        strayHostFiles.add(target);
        await writeFile(target, data);
      },
    })),
  },
  {
    bug: "file names are normalised to Unicode NFC",
    base: "reference",
    fails: ["files.names.exact"],
    create: patchedFiles(reference, (files) => ({
      write: (path, data) => files.write(posix.join(posix.dirname(path), basename(path).normalize("NFC")), data),
    })),
  },
];
