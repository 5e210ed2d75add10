import { type ExecOptions, type ExtensionName, type Provider, SPECIFICATION_VERSION } from "@openlattice/core";
import type { SandboxTracker } from "./sandbox-tracker.js";

/** One rejection a case saw through the tracking provider (checked by `errors.typed`). */
export interface RecordedError {
  /** The method, e.g. `exec` or `files.read`. */
  readonly method: string;
  readonly requirement: string;
  readonly error: unknown;
}

/** Where rejections are recorded, and which requirement is running. */
export interface ErrorLog {
  readonly requirement: string;
  readonly errors: RecordedError[];
}

/**
 * Records the rejection of `promise`, unless it is the abort reason the caller passed (a
 * provider must reject with exactly that value, which is the caller's, not a provider error).
 */
function recorded<T>(
  log: ErrorLog,
  method: string,
  promise: Promise<T>,
  signal?: AbortSignal,
  callerErrors?: ReadonlySet<unknown>,
): Promise<T> {
  return promise.catch((error: unknown) => {
    // The abort reason and what a callback threw are the caller's own values, passed back as the spec says.
    if (!(signal?.aborted && error === signal.reason) && !callerErrors?.has(error)) {
      log.errors.push({ method, requirement: log.requirement, error });
    }
    throw error;
  });
}

/** Extension methods that resolve with a handle whose own methods are recorded too. */
const HANDLE_METHODS = new Set(["processes.start", "processes.attach"]);

/**
 * An extension (or a process handle) whose methods record their rejections: a proxy, so
 * prototype methods work too. Members are read from the target itself, so getters over private
 * fields keep working.
 */
function recordingExtension(log: ErrorLog, name: string, extension: object): object {
  return new Proxy(extension, {
    get(target, key) {
      const member = Reflect.get(target, key) as unknown;
      if (typeof member !== "function" || typeof key !== "string") return member;
      const method = `${name}.${key}`;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = member.apply(target, args);
        } catch (error) {
          log.errors.push({ method, requirement: log.requirement, error });
          throw error;
        }
        if (!(result instanceof Promise)) return result;
        const settled = recorded(log, method, result);
        if (!HANDLE_METHODS.has(method)) return settled;
        return settled.then((handle: unknown) =>
          handle !== null && typeof handle === "object" ? recordingExtension(log, "processes.handle", handle) : handle,
        );
      };
    },
  });
}

const CALLBACKS = ["onStdout", "onStderr", "onStdoutBytes", "onStderrBytes"] as const;

/** The exec options with each output callback wrapped to remember what it throws. */
function watchCallbacks(options: ExecOptions | undefined, thrown: Set<unknown>): ExecOptions | undefined {
  if (options === undefined || options === null || typeof options !== "object") return options;
  const watched: Record<string, unknown> = { ...options };
  for (const key of CALLBACKS) {
    const callback = options[key] as ((chunk: never) => void) | undefined;
    if (typeof callback !== "function") continue;
    watched[key] = (chunk: never) => {
      try {
        callback(chunk);
      } catch (error) {
        thrown.add(error);
        throw error;
      }
    };
  }
  return watched as ExecOptions;
}

/**
 * A view of `provider` whose provision/restore/destroy keep `tracker` up to date and whose every
 * rejection (extensions included) is recorded in `log`.
 */
export function trackProvider(provider: Provider, tracker: SandboxTracker, log: ErrorLog): Provider {
  return {
    name: provider.name,
    specificationVersion: SPECIFICATION_VERSION,
    get capabilities() {
      return provider.capabilities;
    },
    provision: async (spec, options) => {
      const node = await recorded(log, "provision", provider.provision(spec, options), options?.signal);
      tracker.add(node);
      return node;
    },
    restore: async (ref, overrides) => {
      const node = await recorded(log, "restore", provider.restore(ref, overrides));
      tracker.add(node);
      return node;
    },
    destroy: async (id) => {
      await recorded(log, "destroy", provider.destroy(id));
      tracker.forget(id);
    },
    exec: (id, argv, options) => {
      const thrown = new Set<unknown>();
      return recorded(log, "exec", provider.exec(id, argv, watchCallbacks(options, thrown)), options?.signal, thrown);
    },
    inspect: (id) => recorded(log, "inspect", provider.inspect(id)),
    snapshot: (id) => recorded(log, "snapshot", provider.snapshot(id)),
    healthCheck: () => recorded(log, "healthCheck", provider.healthCheck()),
    ...(typeof provider.list === "function"
      ? { list: (filter) => recorded(log, "list", (provider.list as NonNullable<Provider["list"]>)(filter)) }
      : {}),
    getExtension: (id, name) => {
      const extension = provider.getExtension(id, name) as object | undefined;
      if (extension === undefined || extension === null || typeof extension !== "object") return extension as never;
      return recordingExtension(log, name as ExtensionName, extension) as never;
    },
  };
}
