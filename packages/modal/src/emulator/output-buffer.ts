const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * One output stream of an emulated exec. Modal's router serves stdio by offset
 * (`TaskExecStdioRead{offset}`) and the SDK reconnects from the last offset it saw, so the
 * whole stream is kept and every reader can start anywhere. Readers block until more data
 * arrives or the stream closes.
 */
export class OutputBuffer {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  #closed = false;
  #waiters: (() => void)[] = [];

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): void {
    if (this.#closed || chunk.byteLength === 0) return;
    this.#chunks.push(chunk.slice());
    this.#length += chunk.byteLength;
    this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Yields everything from `offset` on, as it arrives, until the stream closes or `signal` aborts. */
  async *read(offset: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    let position = Math.max(0, offset);
    // One abort listener per reader (not per wait), removed when the reader ends.
    let wakeReader: (() => void) | undefined;
    const onAbort = () => wakeReader?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        if (position < this.#length) {
          const data = this.#slice(position);
          position += data.byteLength;
          yield data;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          wakeReader = resolve;
          this.#waiters.push(resolve);
        });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** At most `MAX_MESSAGE_BYTES` from `from` on: one gRPC message each, well under the limits. */
  #slice(from: number): Uint8Array {
    const out = new Uint8Array(Math.min(this.#length - from, MAX_MESSAGE_BYTES));
    let skip = from;
    let at = 0;
    for (const chunk of this.#chunks) {
      if (skip >= chunk.byteLength) {
        skip -= chunk.byteLength;
        continue;
      }
      const part = chunk.subarray(skip, skip + (out.byteLength - at));
      out.set(part, at);
      at += part.byteLength;
      skip = 0;
      if (at >= out.byteLength) break;
    }
    return out;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
