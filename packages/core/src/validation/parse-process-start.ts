import { InvalidArgumentError, UnsupportedError } from "../errors/error-classes.js";
import type { Capabilities } from "../provider/v1/capabilities.js";
import type { ProcessStartOptions } from "../provider/v1/processes.js";
import { type ExecRequest, parseExecRequest, parsePty } from "./parse-exec-request.js";

/**
 * A validated `processes.start` call: everything an exec request has (argv, cwd, env, initial
 * stdin, callbacks, timeout, output cap, terminal), for a process whose stdin stays open.
 */
export type ProcessStartRequest = Omit<ExecRequest, "signal">;

const START_ONLY_KEYS = new Set(["signal"]);

/**
 * Validates `processes.start` arguments with the same rules and field names as `exec`
 * (`argv[1]`, `env["A=B"]`, `cols`…). `signal` is refused: a background process is stopped with
 * `kill`, not by aborting the call that started it.
 */
export function parseProcessStart(
  argv: unknown,
  options: unknown,
  provider?: string,
  capabilities?: Pick<Capabilities, "pty">,
): ProcessStartRequest {
  if (options !== undefined && options !== null && typeof options === "object" && !Array.isArray(options)) {
    for (const key of Object.keys(options)) {
      if (START_ONLY_KEYS.has(key) && (options as Record<string, unknown>)[key] !== undefined) {
        throw new InvalidArgumentError(key, "processes.start takes no signal; stop the process with handle.kill()", {
          provider,
        });
      }
    }
  }
  const { signal: _signal, ...request } = parseExecRequest(argv, options as ProcessStartOptions, provider);
  if (request.pty && capabilities && !capabilities.pty) {
    throw new UnsupportedError(
      "pty",
      `pty: the ${provider ?? "this"} provider cannot start processes under a terminal`,
      {
        provider,
      },
    );
  }
  return request;
}

/** Validates `handle.resize(cols, rows)`. */
export function parseTerminalSize(cols: unknown, rows: unknown, provider?: string): { cols: number; rows: number } {
  const size = parsePty(
    { pty: true, cols, rows },
    (field, message) => new InvalidArgumentError(field, message, { provider }),
  );
  if (cols === undefined || rows === undefined || !size) {
    throw new InvalidArgumentError(cols === undefined ? "cols" : "rows", "is required", { provider });
  }
  return size;
}
