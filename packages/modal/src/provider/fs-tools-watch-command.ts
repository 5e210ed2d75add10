import type { FileEvent } from "@openlattice/core";

/**
 * The program behind the SDK's `sandbox.filesystem` API (`SANDBOX_FS_TOOLS_PATH` in
 * modal@0.11.1), which Modal places in every sandbox.
 */
export const FS_TOOLS_PATH = "/__modal/.bin/modal-sandbox-fs-tools";

/**
 * The event types asked for: what `filesystem.watch(path, { filter: ["Create", "Modify",
 * "Remove"] })` sends (the SDK adds the rename variants to `Modify`). Access events are not
 * wanted: reading a file is no change.
 */
const FILTER = ["Create", "Modify", "Rename", "RenameFrom", "RenameTo", "Remove"];

/**
 * The `Watch` command exactly as modal@0.11.1's `makeWatchCommand` builds it, with no timeout
 * (the watch ends when its stdin is closed). A test compares it with what the SDK's own
 * `filesystem.watch` sends, so that a protocol change is caught.
 */
export function watchCommandArgv(path: string, recursive: boolean): string[] {
  return [FS_TOOLS_PATH, JSON.stringify({ Watch: { path, recursive, filter: FILTER, timeout_secs: null } })];
}

/**
 * The events one fs-tools line stands for, or none for a line that is not an event. The SDK
 * folds renames into `Modify`; here a rename is what it does to each path (the old one is
 * gone, the new one appears) when fs-tools says which side a path is.
 */
export function eventsOfLine(line: string): FileEvent[] {
  let data: { event_type?: unknown; paths?: unknown };
  try {
    data = JSON.parse(line) as typeof data;
  } catch {
    return [];
  }
  const paths = Array.isArray(data.paths) ? data.paths.filter((p): p is string => typeof p === "string") : [];
  const each = (type: FileEvent["type"], of = paths) => of.map((path) => ({ type, path }));
  switch (data.event_type) {
    case "Create":
    case "RenameTo":
      return each("create");
    case "Modify":
      return each("modify");
    case "Remove":
    case "RenameFrom":
      return each("delete");
    case "Rename":
      return paths.length === 2
        ? [...each("delete", paths.slice(0, 1)), ...each("create", paths.slice(1))]
        : each("modify");
    default:
      return [];
  }
}

/** The error fs-tools reports on stderr (`{error_kind, message}`), when it is that JSON. */
export function fsToolsError(stderr: string): { kind: string; message: string } | undefined {
  try {
    const payload = JSON.parse(stderr.trim()) as { error_kind?: unknown; message?: unknown };
    if (typeof payload.error_kind !== "string") return undefined;
    return { kind: payload.error_kind, message: typeof payload.message === "string" ? payload.message : "" };
  } catch {
    return undefined;
  }
}
