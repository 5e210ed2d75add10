import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Capabilities, ExecOptions, FileEvent, ProcessStartOptions } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { patchExtension, patchHandles } from "../support/patch-extension.js";
import { wrapProvider } from "../support/wrap-provider.js";

/** Drops the terminal from exec options and start options. */
function withoutTerminal<T extends ExecOptions | ProcessStartOptions | undefined>(options: T): T {
  if (!options) return options;
  const { pty: _pty, cols: _cols, rows: _rows, ...rest } = options;
  return rest as T;
}

/** Terminals, streamed files, watches and lifetime, each with one realistic bug. */
export const INTERACTIVE_BUGS: readonly BrokenProvider[] = [
  {
    bug: "exec with pty ignores cols and rows: every terminal is 80x24",
    base: "reference",
    fails: ["pty.exec.terminal"],
    create: () =>
      wrapProvider(new ReferenceProvider(), (inner) => ({
        exec: (id, argv, options) =>
          inner.exec(id, argv, options?.pty ? { ...withoutTerminal(options), pty: true } : options),
      })),
  },
  {
    bug: "capabilities say pty: false, yet pty: true is ignored instead of refused (the command runs without a terminal)",
    base: "reference",
    fails: ["pty.exec.terminal", "pty.process.interactive"],
    create: () => {
      const inner = new ReferenceProvider();
      const capabilities: Capabilities = { ...inner.capabilities, pty: false };
      return patchExtension(
        "processes",
        (real) => ({ ...real, start: (argv, options) => real.start(argv, withoutTerminal(options)) }),
        () =>
          wrapProvider(inner, () => ({
            capabilities,
            exec: (id, argv, options) => inner.exec(id, argv, withoutTerminal(options)),
          })),
      )();
    },
  },
  {
    bug: "resize() of a PTY process resolves without resizing the terminal",
    base: "reference",
    fails: ["pty.process.interactive"],
    create: patchExtension("processes", (real) =>
      patchHandles(real, (handle) => ({
        resize: async (cols, rows) => {
          // Only the check is kept: a process without a terminal is still refused.
          if (!(await real.list()).find((info) => info.pid === handle.pid)?.pty) return handle.resize(cols, rows);
        },
      })),
    ),
  },
  {
    bug: "readStream reads the whole file into memory before streaming it",
    base: "reference",
    fails: ["file-streams.round-trip"],
    create: patchExtension("fileStreams", (real) => ({
      ...real,
      writeStream: (path, options) => real.writeStream(path, options),
      readStream: async (path, options) => {
        const reader = (await real.readStream(path, options)).getReader();
        const chunks: Uint8Array[] = [];
        for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
        const whole = Buffer.concat(chunks);
        chunks.length = 0;
        return new ReadableStream<Uint8Array>({
          start(controller) {
            for (let offset = 0; offset < whole.length; offset += 1024 * 1024)
              controller.enqueue(whole.subarray(offset, offset + 1024 * 1024));
            controller.close();
          },
        });
      },
    })),
  },
  {
    bug: "readStream treats end as inclusive (one byte too many)",
    base: "reference",
    fails: ["file-streams.range"],
    create: patchExtension("fileStreams", (real) => ({
      writeStream: (path, options) => real.writeStream(path, options),
      readStream: (path, options) =>
        real.readStream(path, options?.end === undefined ? options : { ...options, end: options.end + 1 }),
    })),
  },
  {
    bug: "writeStream writes straight into the target: a half-written file is visible and an abort leaves it",
    base: "reference",
    fails: ["file-streams.write-atomic"],
    create: patchExtension("fileStreams", (real) => ({
      readStream: (path, options) => real.readStream(path, options),
      writeStream: async (path, options) => {
        // The suite's paths are absolute; that is all this shortcut handles.
        await mkdir(dirname(path), { recursive: true });
        const handle = await open(path, "w", options?.mode ?? 0o644);
        return new WritableStream<Uint8Array>({
          write: async (chunk) => {
            await handle.write(chunk);
          },
          close: () => handle.close(),
          abort: () => handle.close(),
        });
      },
    })),
  },
  {
    bug: 'watch reports every "rename" as a create, so deletes look like creates',
    base: "reference",
    fails: ["file-watch.events"],
    create: patchExtension("fileWatch", (real) => ({
      watch: async (path, options) => {
        const events = await real.watch(path, options);
        return (async function* (): AsyncGenerator<FileEvent> {
          for await (const event of events) yield event.type === "delete" ? { ...event, type: "create" } : event;
        })();
      },
    })),
  },
  {
    bug: "watch ignores recursive: only the top directory is watched",
    base: "reference",
    fails: ["file-watch.recursive"],
    create: patchExtension("fileWatch", (real) => ({
      watch: (path, options) => real.watch(path, { ...options, recursive: false }),
    })),
  },
  {
    bug: "lifetime.extend reports a later deadline but never moves the timer",
    base: "reference",
    fails: ["lifetime.extend"],
    create: patchExtension("lifetime", (real) => {
      let moved: Date | undefined;
      return {
        deadline: async () => moved ?? real.deadline(),
        extend: async (seconds) => {
          // What is beyond the limit is still refused (by the real extension); the rest only looks moved.
          if (seconds >= 86_400) return real.extend(seconds);
          const from = (moved ?? (await real.deadline()) ?? new Date()).getTime();
          moved = new Date(from + seconds * 1000);
          return moved;
        },
      };
    }),
  },
];
