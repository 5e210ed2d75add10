import type { FileEvent, FileWatchExtension, WatchOptions } from "@openlattice/core";
import { expect } from "vitest";
import { withDeadline } from "../suite/sandbox-tracker.js";
import type { CaseDefinition } from "./case-definition.js";
import { preview, requireExtension, sleep } from "./case-helpers.js";

/** A running watch: the events seen so far, and a way to end it. */
interface Watching {
  readonly events: FileEvent[];
  /** Resolves once the iteration has ended. */
  readonly ended: Promise<void>;
  readonly stop: () => void;
  /** Waits until an event matches; throws after `timeoutMs` listing what was seen. */
  waitFor(match: (event: FileEvent) => boolean, timeoutMs: number, what: string): Promise<void>;
}

async function startWatch(watch: FileWatchExtension, path: string, options: WatchOptions = {}): Promise<Watching> {
  const controller = new AbortController();
  const events: FileEvent[] = [];
  const iterable = await watch.watch(path, { ...options, signal: controller.signal });
  const ended = (async () => {
    for await (const event of iterable) events.push(event);
  })();
  // A watch that fails later is reported by waitFor's timeout; keep the rejection handled.
  ended.catch(() => undefined);
  return {
    events,
    ended,
    stop: () => controller.abort(),
    async waitFor(match, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!events.some(match)) {
        if (Date.now() > deadline)
          throw new Error(`${what}: no such event within ${timeoutMs} ms; saw ${preview(events)}`);
        await sleep(50);
      }
    },
  };
}

const is = (type: FileEvent["type"], path: string) => (event: FileEvent) => event.type === type && event.path === path;

/** Change notifications (`fileWatch` extension). */
export const FILE_WATCH_CASES: readonly CaseDefinition[] = [
  {
    id: "file-watch.events",
    run: async (c) => {
      const box = await c.sandbox();
      const watch = requireExtension(c, box.id, "fileWatch");
      const dir = `${box.scratch}/watched`;
      await c.mustExec(box.id, ["mkdir", "-p", dir]);
      const ready = c.options.timeouts.networkReadyMs;
      const watching = await startWatch(watch, dir);
      const file = `${dir}/f`;
      await c.mustExec(box.id, ["sh", "-c", "echo a > f; sleep 0.3; echo b >> f; sleep 0.3; rm f"], { cwd: dir });
      await watching.waitFor(is("delete", file), ready, `delete of ${file}`);
      const mine = watching.events.filter((event) => event.path === file).map((event) => event.type);
      const created = mine.indexOf("create");
      expect(created, `a create event for ${file} (its events: ${mine.join(", ")})`).toBeGreaterThanOrEqual(0);
      expect(mine.indexOf("modify", created), `a modify event after the create (${mine.join(", ")})`).toBeGreaterThan(
        created,
      );
      expect(mine.at(-1), `the last event for ${file}`).toBe("delete");
      watching.stop();
      await withDeadline(watching.ended, 5_000, "the watch's iteration after its signal aborted");
      // A watched file reports its own modification.
      const single = `${dir}/g`;
      await c.mustExec(box.id, ["sh", "-c", 'echo one > "$1"', "sh", single]);
      const watchingFile = await startWatch(watch, single);
      await c.mustExec(box.id, ["sh", "-c", 'echo two >> "$1"', "sh", single]);
      await watchingFile.waitFor(is("modify", single), ready, `modify of the watched file ${single}`);
      watchingFile.stop();
      await withDeadline(watchingFile.ended, 5_000, "the file watch's iteration after its signal aborted");
    },
  },
  {
    id: "file-watch.recursive",
    run: async (c) => {
      const box = await c.sandbox();
      const watch = requireExtension(c, box.id, "fileWatch");
      const dir = `${box.scratch}/tree`;
      await c.mustExec(box.id, ["mkdir", "-p", `${dir}/existing`]);
      const watching = await startWatch(watch, dir, { recursive: true });
      try {
        await c.mustExec(
          box.id,
          ["sh", "-c", "echo x > existing/e; mkdir -p new/deeper; sleep 0.5; echo y > new/deeper/h"],
          {
            cwd: dir,
          },
        );
        const ready = c.options.timeouts.networkReadyMs;
        await watching.waitFor(is("create", `${dir}/existing/e`), ready, "create in an existing subdirectory");
        await watching.waitFor(
          is("create", `${dir}/new/deeper/h`),
          ready,
          "create in a subdirectory made after the watch began",
        );
      } finally {
        watching.stop();
      }
    },
  },
];
