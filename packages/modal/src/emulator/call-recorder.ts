/** One RPC the emulator received. */
export interface RecordedCall {
  /** `control` = `modal.client.ModalClient`; `router` = `modal.task_command_router.TaskCommandRouter`. */
  readonly service: "control" | "router";
  /** The proto method name, e.g. `SandboxCreateV2`, `TaskExecStart`. */
  readonly method: string;
  /** The decoded request (for client streams: every message, in order). Bytes are kept as is. */
  readonly request: unknown;
  readonly at: Date;
  /** gRPC status name when the call failed (e.g. `RESOURCE_EXHAUSTED`), after fault injection too. */
  readonly error?: string;
  /** True when the call carried the `x-modal-token-id` header (control plane) or a router JWT. */
  readonly authenticated: boolean;
}

/** Keeps the calls the emulator received, in arrival order, for assertions. */
export class CallRecorder {
  readonly #calls: RecordedCall[] = [];

  add(call: RecordedCall): void {
    this.#calls.push(call);
  }

  /** Every call so far, oldest first (a copy). */
  all(): RecordedCall[] {
    return [...this.#calls];
  }

  /** The calls of one method, e.g. `of("SandboxCreateV2")`. */
  of(method: string): RecordedCall[] {
    return this.#calls.filter((call) => call.method === method);
  }

  /** Requests of one method, typed by the caller. */
  requests<T = Record<string, unknown>>(method: string): T[] {
    return this.of(method).map((call) => call.request as T);
  }

  /**
   * Every argv the emulator saw: sandbox entrypoints (`definition.entrypointArgs`) and exec
   * commands (`commandArgs`). Use it to prove a secret never travelled in a command line.
   */
  argvs(): string[][] {
    const result: string[][] = [];
    for (const call of this.#calls) {
      const request = call.request as {
        definition?: { entrypointArgs?: string[] };
        commandArgs?: string[];
      } | null;
      const entry = request?.definition?.entrypointArgs;
      if (entry && entry.length > 0) result.push([...entry]);
      if (request?.commandArgs) result.push([...request.commandArgs]);
    }
    return result;
  }

  /** Forgets every recorded call. */
  clear(): void {
    this.#calls.length = 0;
  }
}
