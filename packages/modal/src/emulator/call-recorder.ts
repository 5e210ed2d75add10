/** One RPC the emulator received. */
export interface RecordedCall {
  /** `control` = `modal.client.ModalClient`; `router` = `modal.task_command_router.TaskCommandRouter`. */
  readonly service: "control" | "router";
  /** The proto method name, e.g. `SandboxCreateV2`, `TaskExecStart`. */
  readonly method: string;
  /** The decoded request (for client streams: every message, in order). Bytes are kept as is. */
  readonly request: unknown;
  readonly at: Date;
  /** When the server finished the call (for streams: when the stream ended); unset while it runs. */
  readonly endedAt?: Date;
  /** `performance.now()` at arrival and at the end, for sub-millisecond ordering. */
  readonly timing: { readonly received: number; readonly ended?: number };
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

  /**
   * Round-trip waves of a set of calls: a call is in wave 1 when it arrived before any other
   * call of the set ended, and in wave N + 1 when the latest of the calls that ended before it
   * arrived was in wave N. Calls the client issued concurrently share a wave; a call the client
   * could only send after an answer is one wave later.
   */
  static waves(calls: readonly RecordedCall[]): { readonly call: RecordedCall; readonly wave: number }[] {
    const sorted = [...calls].sort((left, right) => left.timing.received - right.timing.received);
    const result: { call: RecordedCall; wave: number }[] = [];
    for (const call of sorted) {
      let wave = 1;
      for (const earlier of result) {
        const ended = earlier.call.timing.ended;
        if (ended !== undefined && ended <= call.timing.received) wave = Math.max(wave, earlier.wave + 1);
      }
      result.push({ call, wave });
    }
    return result;
  }

  /** Forgets every recorded call. */
  clear(): void {
    this.#calls.length = 0;
  }
}
