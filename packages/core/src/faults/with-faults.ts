import { DEFAULT_RETRYABLE, type ErrorCode } from "../errors/error-codes.js";
import { SandboxError } from "../errors/sandbox-error.js";
import type { ExecOptions, ExecResult } from "../provider/v1/exec.js";
import type { ExtensionOf } from "../provider/v1/extensions.js";
import type { Provider } from "../provider/v1/provider.js";

/** Provider methods a fault can hit. */
export type FaultableMethod = "provision" | "exec" | "destroy" | "inspect" | "snapshot" | "restore";

const ALL_METHODS: readonly FaultableMethod[] = ["provision", "exec", "destroy", "inspect", "snapshot", "restore"];

export interface FaultOptions {
  /** Delay added before each affected call, in milliseconds: fixed or uniformly drawn from a range. */
  latency?: number | { min: number; max: number };
  /** Probability (0–1) that an affected call fails before reaching the provider. */
  errorRate?: number;
  /** Codes injected failures are drawn from. Default `["unavailable"]`. */
  codes?: readonly ErrorCode[];
  /**
   * Probability (0–1) that an affected call reaches the provider and succeeds there, but its
   * answer is lost and the caller sees `unavailable` — the case that makes retries dangerous.
   */
  lostResponseRate?: number;
  /**
   * Cuts exec output streams: after this many bytes of stdout+stderr the call is cancelled and
   * rejects with `unavailable`, as when a connection drops mid-stream. It never resolves.
   */
  streamCut?: number;
  /** Methods to affect. Default: all of them (`healthCheck` and `getExtension` are never affected). */
  methods?: readonly FaultableMethod[];
  /** Seed of the deterministic random source, so a failing run can be replayed. Default 1. */
  seed?: number;
}

/** What the decorator did, per method. */
export interface FaultStats {
  calls: Record<FaultableMethod, number>;
  injectedErrors: Record<FaultableMethod, number>;
  lostResponses: Record<FaultableMethod, number>;
  streamCuts: number;
}

/** A provider wrapped by {@link withFaults}, with counters of what was injected. */
export type FaultyProvider<P extends Provider = Provider> = P & { readonly faultStats: FaultStats };

/**
 * Wraps a provider so that calls fail, stall or lose their answers on purpose. Use it in tests to
 * show that callers retry only what is safe and that nothing leaks when calls fail. Injected
 * errors are `SandboxError`s with `details.injected: true`.
 */
export function withFaults<P extends Provider>(provider: P, options: FaultOptions = {}): FaultyProvider<P> {
  const random = mulberry32(options.seed ?? 1);
  const methods = new Set(options.methods ?? ALL_METHODS);
  const codes = options.codes?.length ? options.codes : (["unavailable"] as const);
  const stats: FaultStats = {
    calls: counters(),
    injectedErrors: counters(),
    lostResponses: counters(),
    streamCuts: 0,
  };

  const injected = (method: FaultableMethod, code: ErrorCode, what: string) =>
    new SandboxError(code, `injected fault: ${what} in ${method}`, {
      provider: provider.name,
      retryable: DEFAULT_RETRYABLE[code],
      details: { injected: true, method },
    });

  async function around<T>(method: FaultableMethod, call: () => Promise<T>): Promise<T> {
    if (!methods.has(method)) return call();
    stats.calls[method] += 1;
    const latency = options.latency;
    if (latency !== undefined) {
      const ms = typeof latency === "number" ? latency : latency.min + random() * (latency.max - latency.min);
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    }
    if (random() < (options.errorRate ?? 0)) {
      stats.injectedErrors[method] += 1;
      const code = codes[Math.floor(random() * codes.length)] ?? "unavailable";
      throw injected(method, code, code);
    }
    const result = await call();
    if (random() < (options.lostResponseRate ?? 0)) {
      stats.lostResponses[method] += 1;
      throw injected(method, "unavailable", "lost response");
    }
    return result;
  }

  function execWithCut(externalId: string, argv: readonly string[], execOptions?: ExecOptions): Promise<ExecResult> {
    const limit = options.streamCut;
    if (limit === undefined) return provider.exec(externalId, argv, execOptions);
    const controller = new AbortController();
    const userSignal = execOptions?.signal;
    const signal = userSignal ? AbortSignal.any([userSignal, controller.signal]) : controller.signal;
    let seen = 0;
    let cut = false;
    // The cut is counted on bytes, so the wrapper takes over both callbacks of each stream:
    // it forwards bytes as they are and decodes text itself, incrementally, like providers do.
    const count = (onText?: (chunk: string) => void, onBytes?: (chunk: Uint8Array) => void) => {
      const decoder = onText ? new TextDecoder() : undefined;
      return (chunk: Uint8Array) => {
        if (cut) return;
        const room = limit - seen;
        seen += chunk.byteLength;
        const part = room >= chunk.byteLength ? chunk : chunk.subarray(0, Math.max(0, room));
        onBytes?.(part);
        const text = decoder?.decode(part, { stream: true });
        if (text) onText?.(text);
        if (seen >= limit) {
          cut = true;
          stats.streamCuts += 1;
          controller.abort(injected("exec", "unavailable", `stream cut after ${limit} bytes`));
        }
      };
    };
    const call = provider.exec(externalId, argv, {
      ...execOptions,
      signal,
      onStdout: undefined,
      onStderr: undefined,
      onStdoutBytes: count(execOptions?.onStdout, execOptions?.onStdoutBytes),
      onStderrBytes: count(execOptions?.onStderr, execOptions?.onStderrBytes),
    });
    return call.then(
      (result) => {
        // Output arrived in one piece at the end (no streaming): the cut still happened.
        if (cut || result.stdoutBytes.byteLength + result.stderrBytes.byteLength > limit) {
          if (!cut) stats.streamCuts += 1;
          throw injected("exec", "unavailable", `stream cut after ${limit} bytes`);
        }
        return result;
      },
      (error: unknown) => {
        if (cut) throw injected("exec", "unavailable", `stream cut after ${limit} bytes`);
        throw error;
      },
    );
  }

  const wrapped = {
    name: provider.name,
    specificationVersion: provider.specificationVersion,
    capabilities: provider.capabilities,
    faultStats: stats,
    provision: (spec, provisionOptions) => around("provision", () => provider.provision(spec, provisionOptions)),
    exec: (externalId, argv, execOptions) => around("exec", () => execWithCut(externalId, argv, execOptions)),
    destroy: (externalId) => around("destroy", () => provider.destroy(externalId)),
    inspect: (externalId) => around("inspect", () => provider.inspect(externalId)),
    snapshot: (externalId) => around("snapshot", () => provider.snapshot(externalId)),
    restore: (ref, overrides) => around("restore", () => provider.restore(ref, overrides)),
    ...(provider.list ? { list: provider.list.bind(provider) } : {}),
    healthCheck: () => provider.healthCheck(),
    getExtension: <K extends string>(externalId: string, name: K): ExtensionOf<K> =>
      provider.getExtension(externalId, name),
  } satisfies Provider & { faultStats: FaultStats };
  return wrapped as unknown as FaultyProvider<P>;
}

function counters(): Record<FaultableMethod, number> {
  return { provision: 0, exec: 0, destroy: 0, inspect: 0, snapshot: 0, restore: 0 };
}

/** A small seeded PRNG (mulberry32): deterministic, so fault runs can be replayed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
