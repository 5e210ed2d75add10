import { stat } from "node:fs/promises";
import { posix } from "node:path";
import type { ExecOptions } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import { sandboxes } from "../../../src/reference/reference-state.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();
const local = localFactory();
const KNOWN_OPTIONS = [
  "cwd",
  "env",
  "timeoutMs",
  "stdin",
  "signal",
  "maxOutputBytes",
  "onStdout",
  "onStderr",
  "onStdoutBytes",
  "onStderrBytes",
];

/** A broken provider that rewrites the exec request before the real provider sees it. */
function rewritingRequest(
  base: () => ReferenceProvider | ReturnType<typeof local>,
  rewrite: (argv: readonly string[], options: ExecOptions) => [readonly string[], ExecOptions],
) {
  return () =>
    wrapProvider(base(), (inner) => ({
      exec: (id, argv, options) => inner.exec(id, ...rewrite(argv, options ?? {})),
    }));
}

/** The workdir of a reference sandbox, for bugs that resolve paths themselves. */
const workdirOf = (id: string) => sandboxes.get(id)?.workdir ?? "/";

/** What reaches a command (argv, cwd, env, stdin) and how its output streams. */
export const EXEC_INPUT_BUGS: readonly BrokenProvider[] = [
  {
    bug: "output callbacks fire only once the command has ended (with everything it printed)",
    base: "reference",
    fails: ["exec.stream.incremental"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        exec: async (id, argv, options) => {
          const { onStdout, onStderr, onStdoutBytes, onStderrBytes, ...rest } = options ?? {};
          const out: Uint8Array[] = [];
          const err: Uint8Array[] = [];
          const result = await inner.exec(id, argv, {
            ...rest,
            onStdoutBytes: (chunk) => out.push(chunk.slice()),
            onStderrBytes: (chunk) => err.push(chunk.slice()),
          });
          const decode = (chunks: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));
          for (const chunk of out) onStdoutBytes?.(chunk);
          if (out.length > 0) onStdout?.(decode(out));
          for (const chunk of err) onStderrBytes?.(chunk);
          if (err.length > 0) onStderr?.(decode(err));
          return result;
        },
      })),
  },
  {
    bug: "streamed text is decoded chunk by chunk (a character split across chunks becomes U+FFFD)",
    base: "reference",
    fails: ["exec.stream.utf8-split"],
    create: rewritingRequest(reference, (argv, { onStdout, onStderr, ...options }) => [
      argv,
      {
        ...options,
        ...(onStdout && { onStdout: undefined, onStdoutBytes: chainBytes(options.onStdoutBytes, onStdout) }),
        ...(onStderr && { onStderr: undefined, onStderrBytes: chainBytes(options.onStderrBytes, onStderr) }),
      },
    ]),
  },
  {
    bug: "when both text and byte callbacks are given, only the byte callback is called",
    base: "local",
    fails: ["exec.stream.text-and-bytes"],
    create: rewritingRequest(local, (argv, options) => [
      argv,
      {
        ...options,
        ...(options.onStdoutBytes && { onStdout: undefined }),
        ...(options.onStderrBytes && { onStderr: undefined }),
      },
    ]),
  },
  {
    bug: "byte chunks are views of one reused buffer, overwritten by the next chunk",
    base: "reference",
    fails: ["exec.stream.chunks-kept"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      {
        ...options,
        ...(options.onStdoutBytes && { onStdoutBytes: reusingBuffer(options.onStdoutBytes) }),
        ...(options.onStderrBytes && { onStderrBytes: reusingBuffer(options.onStderrBytes) }),
      },
    ]),
  },
  {
    bug: "an output callback that throws is swallowed, and the exec resolves as if nothing happened",
    base: "reference",
    fails: ["exec.stream.callback-throws"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      Object.fromEntries(
        Object.entries(options).map(([key, value]) => [
          key,
          key.startsWith("onStd") && typeof value === "function"
            ? (chunk: never) => {
                try {
                  (value as (chunk: never) => void)(chunk);
                } catch {
                  // Swallowed: the bug.
                }
              }
            : value,
        ]),
      ),
    ]),
  },
  {
    bug: "empty-string arguments are dropped from argv",
    base: "local",
    fails: ["exec.argv.literal"],
    create: rewritingRequest(local, (argv, options) => [
      argv.filter((arg, index) => index === 0 || arg !== ""),
      options,
    ]),
  },
  {
    bug: "unknown exec options are ignored instead of refused",
    base: "reference",
    fails: ["exec.argv.invalid"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      Object.fromEntries(Object.entries(options).filter(([key]) => KNOWN_OPTIONS.includes(key))),
    ]),
  },
  {
    bug: "a NUL byte in an env name or value cuts it there instead of being refused",
    base: "local",
    fails: ["exec.input.nul"],
    create: rewritingRequest(local, (argv, options) => [
      argv,
      options.env === undefined
        ? options
        : {
            ...options,
            env: Object.fromEntries(
              Object.entries(options.env)
                .map(([name, value]) => [name.split("\u0000")[0] ?? "", value.split("\u0000")[0] ?? ""])
                .filter(([name]) => name !== ""),
            ),
          },
    ]),
  },
  {
    bug: "the cwd option is dropped, so every command runs in the default working directory",
    base: "reference",
    fails: ["exec.cwd.exact", "exec.cwd.relative", "exec.cwd.missing"],
    create: rewritingRequest(reference, (argv, { cwd: _dropped, ...options }) => [argv, options]),
  },
  {
    // Never a shell here: the hostile corpus would then run on the host (the reference has no boundary).
    bug: "cwd is cut at the first space (parsed like a command-line word)",
    base: "reference",
    fails: ["exec.cwd.exact"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      options.cwd === undefined ? options : { ...options, cwd: options.cwd.split(" ")[0] ?? options.cwd },
    ]),
  },
  {
    bug: "a relative cwd is resolved against / instead of the working directory",
    base: "local",
    fails: ["exec.cwd.relative"],
    create: rewritingRequest(local, (argv, options) => [
      argv,
      options.cwd === undefined || options.cwd.includes("\u0000")
        ? options
        : { ...options, cwd: posix.resolve("/", options.cwd) },
    ]),
  },
  {
    bug: "a missing cwd falls back to the working directory",
    base: "reference",
    fails: ["exec.cwd.missing"],
    create: () => {
      const inner = reference();
      return wrapProvider(inner, () => ({
        exec: async (id, argv, options) => {
          const cwd = options?.cwd;
          if (cwd === undefined || cwd.includes("\u0000")) return inner.exec(id, argv, options);
          const exists = (await stat(posix.resolve(workdirOf(id), cwd)).catch(() => undefined))?.isDirectory();
          return inner.exec(id, argv, exists ? options : { ...options, cwd: undefined });
        },
      }));
    },
  },
  {
    bug: "stdin text is encoded as Latin-1",
    base: "reference",
    fails: ["exec.stdin"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      typeof options.stdin === "string"
        ? { ...options, stdin: new Uint8Array(Buffer.from(options.stdin, "latin1")) }
        : options,
    ]),
  },
  {
    bug: "stdin is capped at 1 MiB",
    base: "local",
    fails: ["exec.stdin.large"],
    create: rewritingRequest(local, (argv, options) => [
      argv,
      options.stdin instanceof Uint8Array ? { ...options, stdin: options.stdin.subarray(0, 1024 * 1024) } : options,
    ]),
  },
  {
    bug: "env values are passed through a line-based env file (a newline ends the value)",
    base: "reference",
    fails: ["exec.env.exact"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      options.env === undefined
        ? options
        : {
            ...options,
            env: Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, v.split("\n")[0] ?? ""])),
          },
    ]),
  },
  {
    bug: "env of one exec leaks into the next exec that also passes env (a sticky env map)",
    base: "local",
    fails: ["exec.env.isolated"],
    create: () => {
      let sticky: Record<string, string> = {};
      return rewritingRequest(local, (argv, options) => {
        if (options.env === undefined) return [argv, options];
        sticky = { ...sticky, ...options.env };
        return [argv, { ...options, env: sticky }];
      })();
    },
  },
  {
    bug: "empty env values are dropped",
    base: "reference",
    fails: ["exec.env.empty-value"],
    create: rewritingRequest(reference, (argv, options) => [
      argv,
      options.env === undefined
        ? options
        : { ...options, env: Object.fromEntries(Object.entries(options.env).filter(([, v]) => v !== "")) },
    ]),
  },
];

/** A byte callback that decodes each chunk on its own and hands the text on. */
function chainBytes(bytes: ((chunk: Uint8Array) => void) | undefined, text: (chunk: string) => void) {
  return (chunk: Uint8Array) => {
    bytes?.(chunk);
    text(new TextDecoder().decode(chunk));
  };
}

/** A byte callback that copies each chunk into one buffer it reuses and hands on a view of it. */
function reusingBuffer(callback: (chunk: Uint8Array) => void) {
  let buffer = new Uint8Array(64 * 1024);
  return (chunk: Uint8Array) => {
    if (chunk.byteLength > buffer.byteLength) buffer = new Uint8Array(chunk.byteLength);
    buffer.set(chunk);
    callback(buffer.subarray(0, chunk.byteLength));
  };
}
