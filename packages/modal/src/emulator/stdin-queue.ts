/** Stdin queued beyond this delays the writers' answers, as a full pipe blocks its writer. */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;

/** Largest batch a consumer takes at once (queued chunks are joined up to this size). */
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * The stdin of one emulated exec, as Modal's router receives it: writes at byte offsets
 * (`TaskExecStdinWrite{offset, data, eof}` or the `TaskExecStdinWriteStream` client stream),
 * possibly repeated by client retries, possibly after the command has started. Consumers read
 * the chunks in order as they arrive, until EOF.
 */
export class StdinQueue {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #closed = false;
  #abandoned = false;
  #queued = 0;
  #wake: (() => void) | undefined;
  #drainWaiters: (() => void)[] = [];

  /** Bytes accepted so far (what `TaskExecStdinStatus.numBytesWritten` reports). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether EOF was received. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Accepts `data` written at `offset`. Bytes before the current length were already received
   * (a retry) and are skipped; a gap after it is a client bug and is refused.
   */
  write(offset: number, data: Uint8Array | undefined, eof: boolean): void {
    if (this.#abandoned) return;
    if (this.#closed) {
      if (data && data.byteLength > 0 && offset + data.byteLength > this.#bytes) {
        throw new Error("stdin was already closed");
      }
      return;
    }
    if (data && data.byteLength > 0) {
      if (offset > this.#bytes) throw new Error(`stdin write at offset ${offset} leaves a gap after ${this.#bytes}`);
      const skip = this.#bytes - offset;
      if (skip < data.byteLength) {
        const part = data.subarray(skip).slice();
        this.#chunks.push(part);
        this.#bytes += part.byteLength;
        this.#queued += part.byteLength;
      }
    }
    if (eof) this.#closed = true;
    this.#signal();
  }

  /** Ends the queue without EOF from the client (the command ended): readers stop. */
  abandon(): void {
    this.#abandoned = true;
    this.#closed = true;
    this.#chunks.length = 0;
    this.#queued = 0;
    this.#signal();
    this.#drained();
  }

  /**
   * Resolves once the bytes not yet consumed are below the high-water mark: the router answers
   * a write only then, so a fast writer cannot queue a whole file in the emulator's memory.
   */
  async whenDrained(): Promise<void> {
    while (this.#queued >= HIGH_WATER_BYTES && !this.#abandoned) {
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    }
  }

  /**
   * Yields the bytes in order as they arrive, joining what is queued into batches of up to
   * `BATCH_BYTES`; returns at EOF. One reader at a time.
   */
  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const batch = this.#takeBatch();
      if (batch) {
        yield batch;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Everything up to EOF, concatenated. */
  async readAll(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.chunks()) parts.push(chunk);
    return Buffer.concat(parts);
  }

  #takeBatch(): Uint8Array | undefined {
    const first = this.#chunks.shift();
    if (!first) return undefined;
    const parts = [first];
    let size = first.byteLength;
    while (this.#chunks.length > 0 && size + (this.#chunks[0] as Uint8Array).byteLength <= BATCH_BYTES) {
      const next = this.#chunks.shift() as Uint8Array;
      parts.push(next);
      size += next.byteLength;
    }
    this.#queued -= size;
    this.#drained();
    return parts.length === 1 ? first : Buffer.concat(parts);
  }

  #drained(): void {
    if (this.#queued >= HIGH_WATER_BYTES && !this.#abandoned) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
