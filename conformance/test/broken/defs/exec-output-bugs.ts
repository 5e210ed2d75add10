import {
  CapacityError,
  createExecResult,
  type ExecOptions,
  type ExecResult,
  MAX_OUTPUT_BYTES_LIMIT,
  type Provider,
} from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();
const local = localFactory();
const encoder = new TextEncoder();

/** A broken provider that rewrites every exec result (the bug lives in how results are built). */
function rewriting(base: () => Provider, rewrite: (result: ExecResult, options?: ExecOptions) => ExecResult) {
  return () =>
    wrapProvider(base(), (inner) => ({
      exec: async (id, argv, options) => rewrite(await inner.exec(id, argv, options), options),
    }));
}

/** Kills only the direct child, not its process group: background grandchildren live on. */
function killChildOnly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Bug: the timeout kills only the direct child, while abort still kills the whole group. */
class TimeoutKillsChildOnly extends ReferenceProvider {
  protected override killOnTimeout(pid: number): void {
    killChildOnly(pid);
  }
}

/** Bug: abort kills only the direct child; timeouts still kill the group. */
class AbortKillsChildOnly extends ReferenceProvider {
  protected override killOnAbort(pid: number): void {
    killChildOnly(pid);
  }
}

/** Exit codes, output exactness, caps, timeouts and durations. */
export const EXEC_OUTPUT_BUGS: readonly BrokenProvider[] = [
  {
    bug: "timedOut is left undefined when no timeoutMs was given",
    base: "reference",
    fails: ["exec.exit-code.zero"],
    create: rewriting(reference, (result, options) =>
      options?.timeoutMs === undefined ? ({ ...result, timedOut: undefined } as unknown as ExecResult) : result,
    ),
  },
  {
    bug: "the exit code is always reported as 0",
    base: "reference",
    fails: [
      "exec.exit-code.nonzero",
      "exec.exit-code.not-found",
      "exec.exit-code.signal",
      "exec.timeout.exit-code",
      "exec.timeout.only-deadline",
    ],
    create: rewriting(reference, (result) => createExecResult({ ...result, exitCode: 0 })),
  },
  {
    bug: "exit status 255 is read as a signed byte and reported as -1",
    base: "local",
    fails: ["exec.exit-code.nonzero"],
    create: rewriting(local, (result) => (result.exitCode === 255 ? { ...result, exitCode: -1 } : result)),
  },
  {
    bug: "a program that cannot be found exits 1 instead of 127",
    base: "reference",
    fails: ["exec.exit-code.not-found"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        exec: async (id, argv, options) => {
          const result = await inner.exec(id, argv, options);
          return result.exitCode === 127 && argv.length === 1 ? { ...result, exitCode: 1 } : result;
        },
      })),
  },
  {
    bug: "the signal table knows only KILL and TERM (other signals exit 128)",
    base: "local",
    fails: ["exec.exit-code.signal"],
    create: rewriting(local, (result) =>
      result.exitCode > 128 && result.exitCode < 160 && ![137, 143].includes(result.exitCode)
        ? { ...result, exitCode: 128 }
        : result,
    ),
  },
  {
    bug: "stderr text is trimmed (bytes untouched)",
    base: "reference",
    fails: ["exec.output.separate"],
    create: rewriting(reference, (result) => ({ ...result, stderr: result.stderr.trim() })),
  },
  {
    bug: "stderr is merged into stdout (like 2>&1), while the capabilities still claim separate streams",
    base: "reference",
    fails: [
      "exec.output.separate",
      "exec.output.binary",
      "exec.output.per-stream",
      "exec.stream.incremental",
      "exec.stream.utf8-split",
      "exec.stream.text-and-bytes",
    ],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        exec: async (id, argv, options) => {
          const result = await inner.exec(id, argv, { ...options, onStderr: options?.onStdout });
          const merged = new Uint8Array(result.stdoutBytes.byteLength + result.stderrBytes.byteLength);
          merged.set(result.stdoutBytes);
          merged.set(result.stderrBytes, result.stdoutBytes.byteLength);
          return createExecResult({ ...result, stdoutBytes: merged, stderrBytes: new Uint8Array(0) });
        },
      })),
  },
  {
    bug: "trailing newlines of stdout text are collapsed into one (as $(...) would)",
    base: "local",
    fails: ["exec.output.exact"],
    create: rewriting(local, (result) => ({ ...result, stdout: result.stdout.replace(/\n\n+$/, "\n") })),
  },
  {
    bug: "stderrBytes are re-encoded from the decoded stderr text (lossy for invalid UTF-8)",
    base: "reference",
    fails: ["exec.output.binary"],
    create: rewriting(reference, (result) => ({ ...result, stderrBytes: encoder.encode(result.stderr) })),
  },
  {
    bug: "output beyond 8 MiB is dropped without setting truncated",
    base: "reference",
    fails: ["exec.output.large"],
    create: rewriting(reference, (result) =>
      createExecResult({ ...result, stdoutBytes: result.stdoutBytes.subarray(0, 8 * 1024 * 1024) }),
    ),
  },
  {
    bug: "maxOutputBytes 0 is treated as no cap (a falsy check)",
    base: "local",
    fails: ["exec.output.max-bytes"],
    create: () =>
      wrapProvider(local(), (inner) => ({
        exec: (id, argv, options) =>
          inner.exec(id, argv, options?.maxOutputBytes === 0 ? { ...options, maxOutputBytes: undefined } : options),
      })),
  },
  {
    bug: "maxOutputBytes is one budget shared by stdout and stderr",
    base: "reference",
    fails: ["exec.output.per-stream"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        exec: async (id, argv, options) => {
          const cap = options?.maxOutputBytes;
          if (cap === undefined) return inner.exec(id, argv, options);
          // Collect enough of both streams to cut them to one shared budget.
          const wide = await inner.exec(id, argv, {
            ...options,
            maxOutputBytes: Math.min(MAX_OUTPUT_BYTES_LIMIT, cap * 2),
          });
          const stdoutBytes = wide.stdoutBytes.subarray(0, cap);
          const stderrBytes = wide.stderrBytes.subarray(0, cap - stdoutBytes.byteLength);
          const cut =
            stdoutBytes.byteLength + stderrBytes.byteLength < wide.stdoutBytes.byteLength + wide.stderrBytes.byteLength;
          return createExecResult({ ...wide, stdoutBytes, stderrBytes, truncated: wide.truncated || cut });
        },
      })),
  },
  {
    bug: "a timeout kills only the direct child; its background grandchildren live on",
    base: "reference",
    fails: ["exec.timeout.kills-tree"],
    create: () => new TimeoutKillsChildOnly(),
  },
  {
    bug: "timeoutMs is ignored, so a hanging command hangs the caller",
    base: "reference",
    fails: ["exec.timeout.kills-tree", "exec.timeout.exit-code"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        exec: (id, argv, options) => {
          const { timeoutMs: _dropped, ...rest } = options ?? {};
          return inner.exec(id, argv, rest);
        },
      })),
  },
  {
    bug: "a timed-out exec reports exit code 0",
    base: "local",
    fails: ["exec.timeout.exit-code"],
    create: rewriting(local, (result) => (result.timedOut ? { ...result, exitCode: 0 } : result)),
  },
  {
    bug: "the output of a timed-out exec is discarded",
    base: "reference",
    fails: ["exec.timeout.exit-code"],
    create: rewriting(reference, (result) =>
      result.timedOut
        ? createExecResult({ ...result, stdoutBytes: new Uint8Array(0), stderrBytes: new Uint8Array(0) })
        : result,
    ),
  },
  {
    bug: "timedOut is inferred from exit code 124 (a coreutils timeout wrapper)",
    base: "local",
    fails: ["exec.timeout.only-deadline"],
    create: rewriting(local, (result) => ({ ...result, timedOut: result.timedOut || result.exitCode === 124 })),
  },
  {
    bug: "durationMs is reported in seconds",
    base: "reference",
    fails: ["exec.duration.measured"],
    create: rewriting(reference, (result) => ({ ...result, durationMs: result.durationMs / 1000 })),
  },
  {
    bug: "durationMs counts from when the provider object was created",
    base: "reference",
    fails: ["exec.duration.measured"],
    create: () => {
      const born = performance.now() - 5_000;
      return wrapProvider(reference(), (inner) => ({
        exec: async (id, argv, options) => ({
          ...(await inner.exec(id, argv, options)),
          durationMs: performance.now() - born,
        }),
      }));
    },
  },
  {
    bug: "abort kills only the direct child; its background grandchildren live on",
    base: "reference",
    fails: ["exec.abort"],
    create: () => new AbortKillsChildOnly(),
  },
  {
    bug: "a sandbox takes at most 8 concurrent execs; the rest fail with capacity",
    base: "reference",
    fails: ["exec.concurrent"],
    create: () => {
      const running = new Map<string, number>();
      return wrapProvider(reference(), (inner) => ({
        exec: async (id, argv, options) => {
          const count = running.get(id) ?? 0;
          if (count >= 8) throw new CapacityError(`sandbox ${id} runs 8 execs already`, { provider: "reference" });
          running.set(id, count + 1);
          try {
            return await inner.exec(id, argv, options);
          } finally {
            running.set(id, (running.get(id) ?? 1) - 1);
          }
        },
      }));
    },
  },
  {
    bug: "the sandbox an exec runs in is kept in one field of the provider (concurrent execs race)",
    base: "local",
    fails: ["exec.concurrent.sandboxes"],
    create: () => {
      let current = "";
      return wrapProvider(local(), (inner) => ({
        exec: async (id, argv, options) => {
          current = id;
          await new Promise((resolve) => setTimeout(resolve, 5));
          return inner.exec(current, argv, options);
        },
      }));
    },
  },
];
