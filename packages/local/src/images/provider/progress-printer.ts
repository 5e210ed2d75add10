import type { ImageProgressEvent } from "./provider-images.js";

const MiB = 1024 * 1024;

/**
 * A progress display for `onImageProgress`, for command-line tools: one line per layer when it
 * starts, at most one per `intervalMs` while it downloads, and one when it is complete
 * (`pulling python:3.12-slim: sha256:1a2b3c4d5e6f 12.0/29.1 MiB`). Cached layers print once.
 */
export function imageProgressPrinter(
  write: (line: string) => void,
  options: { readonly intervalMs?: number } = {},
): (event: ImageProgressEvent) => void {
  const interval = options.intervalMs ?? 1000;
  const last = new Map<string, number>();
  return (event) => {
    const key = `${event.image}\n${event.layer}`;
    const now = Date.now();
    const done = event.cached || (event.total !== undefined && event.bytes >= event.total);
    const previous = last.get(key);
    if (previous === Number.POSITIVE_INFINITY) return;
    if (!done && previous !== undefined && now - previous < interval) return;
    last.set(key, done ? Number.POSITIVE_INFINITY : now);
    const layer = event.layer.slice(0, 19);
    const size = event.total === undefined ? "" : `/${(event.total / MiB).toFixed(1)}`;
    const state = event.cached ? "cached" : `${(event.bytes / MiB).toFixed(1)}${size} MiB${done ? " done" : ""}`;
    write(`pulling ${event.image}: ${layer} ${state}`);
  };
}
