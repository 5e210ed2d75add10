import type { FileEntry, FileStat, FilesExtension } from "@openlattice/core";
import { hasErrorCode } from "@openlattice/core";
import type { ExecExit, ExecRunner } from "./exec-session.js";

/** The program the SDK's `sandbox.filesystem` API execs inside the sandbox. */
export const FS_TOOLS_PATH = "/__modal/.bin/modal-sandbox-fs-tools";

type FsCommand =
  | { ReadFile: { path: string } }
  | { WriteFile: { path: string } }
  | { ListFiles: { path: string } }
  | { Stat: { path: string } }
  | { MakeDirectory: { path: string; parents?: boolean } }
  | { Remove: { path: string; recursive?: boolean } };

const encoder = new TextEncoder();

class FsToolsError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Emulates `modal-sandbox-fs-tools`: parses the JSON command the SDK sends as argv[1] and
 * performs it with the backend's `files` extension. Answers follow the tool's protocol: data
 * or JSON on stdout and exit 0, or exit 1 with `{error_kind, message, detail}` on stderr.
 */
export function fsToolsRunner(files: FilesExtension | undefined, commandJson: string): ExecRunner {
  return async ({ stdin, stdout, stderr }): Promise<ExecExit> => {
    try {
      if (!files) throw new FsToolsError("NotSupported", "the emulator's backend has no files extension");
      const command = JSON.parse(commandJson) as FsCommand;
      // Only a write consumes stdin (the file's bytes, streamed until EOF).
      const data = "WriteFile" in command ? await stdin.readAll() : new Uint8Array();
      stdout.push(await run(files, command, data));
      return { code: 0 };
    } catch (error) {
      const kind = error instanceof FsToolsError ? error.kind : "Other";
      const message = error instanceof Error ? error.message : String(error);
      stderr.push(encoder.encode(JSON.stringify({ error_kind: kind, message, detail: "" })));
      return { code: 1 };
    }
  };
}

async function run(files: FilesExtension, command: FsCommand, stdin: Uint8Array): Promise<Uint8Array> {
  if ("ReadFile" in command) {
    const entry = await statOrThrow(files, command.ReadFile.path);
    if (entry.type === "directory") throw new FsToolsError("IsDirectory", "Is a directory");
    return files.read(command.ReadFile.path);
  }
  if ("WriteFile" in command) {
    const existing = await statOrUndefined(files, command.WriteFile.path);
    if (existing?.type === "directory") throw new FsToolsError("IsDirectory", "Is a directory");
    await files.write(command.WriteFile.path, stdin);
    return new Uint8Array();
  }
  if ("ListFiles" in command) {
    const entry = await statOrThrow(files, command.ListFiles.path);
    if (entry.type !== "directory") throw new FsToolsError("NotDirectory", "Not a directory");
    const entries = await files.list(command.ListFiles.path);
    return encoder.encode(JSON.stringify(entries.map(toRawEntry)));
  }
  if ("Stat" in command) {
    return encoder.encode(JSON.stringify(toRawEntry(await statOrThrow(files, command.Stat.path))));
  }
  if ("MakeDirectory" in command) {
    const { path, parents = true } = command.MakeDirectory;
    const existing = await statOrUndefined(files, path);
    if (existing && (!parents || existing.type !== "directory")) {
      throw new FsToolsError("PathAlreadyExists", "File exists");
    }
    if (!parents) await statOrThrow(files, parentOf(path));
    await files.mkdir(path);
    return new Uint8Array();
  }
  if ("Remove" in command) {
    const { path, recursive = false } = command.Remove;
    const entry = await statOrThrow(files, path);
    if (entry.type === "directory" && !recursive && (await files.list(path)).length > 0) {
      throw new FsToolsError("DirectoryNotEmpty", "Directory not empty");
    }
    await files.remove(path, { recursive });
    return new Uint8Array();
  }
  throw new FsToolsError("NotSupported", `unsupported fs-tools command ${JSON.stringify(Object.keys(command))}`);
}

async function statOrUndefined(files: FilesExtension, path: string): Promise<FileStat | undefined> {
  try {
    return await files.stat(path);
  } catch (error) {
    if (hasErrorCode(error, "not_found")) return undefined;
    throw error;
  }
}

async function statOrThrow(files: FilesExtension, path: string): Promise<FileStat> {
  const entry = await statOrUndefined(files, path);
  if (!entry) throw new FsToolsError("NotFound", "No such file or directory");
  return entry;
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const index = trimmed.lastIndexOf("/");
  return index <= 0 ? "/" : trimmed.slice(0, index);
}

/** The fs-tools JSON form of an entry (snake_case, as the SDK's `parseFileEntry` reads it). */
function toRawEntry(entry: FileEntry | FileStat): Record<string, unknown> {
  const stat = entry as Partial<FileStat>;
  const mode = stat.mode ?? (entry.type === "directory" ? 0o755 : 0o644);
  return {
    name: entry.name,
    path: entry.path,
    type: entry.type === "other" ? "file" : entry.type,
    size: entry.size,
    mode,
    permissions: (mode & 0o777).toString(8),
    owner: "root",
    group: "root",
    modified_time: Math.floor((stat.modifiedAt?.getTime() ?? Date.now()) / 1000),
    symlink_target: null,
  };
}
