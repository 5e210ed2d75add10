const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Output of one stream kept for readers: the newest bytes, at most this many. */
export const OUTPUT_RETAIN_BYTES = 64 * 1024 * 1024;

/**
 * One output stream of an emulated exec. Modal's router serves stdio by offset
 * (`TaskExecStdioRead{offset}`) and the SDK reconnects from the last offset it saw, so the
 * stream is kept by offset and every reader can start anywhere still kept. Readers block until
 * more data arrives or the stream closes.
 *
 * Memory is bounded: a running command keeps its newest `retainBytes` (a reader that fell
 * further behind resumes at the oldest byte kept), and once the stream has closed and a reader
 * has read it to the end, its bytes are released (a later reader at an earlier offset sees
 * the end). A long-lived process, or a file streamed through `cat`, then costs the emulator a
 * bounded amount of memory, not the size of everything it printed.
 */
export class OutputBuffer {
  readonly #chunks: Uint8Array[] = [];
  /** Stream offset of each kept chunk's first byte, parallel to `#chunks`. */
  readonly #starts: number[] = [];
  #kept = 0;
  #length = 0;
  #closed = false;
  #released = false;
  #waiters: (() => void)[] = [];

  constructor(private readonly retainBytes = OUTPUT_RETAIN_BYTES) {}

  /** Bytes the stream has carried in all. */
  get length(): number {
    return this.#length;
  }

  /** Bytes held in memory now. */
  get keptBytes(): number {
    return this.#kept;
  }

  push(chunk: Uint8Array): void {
    if (this.#closed || chunk.byteLength === 0) return;
    this.#chunks.push(chunk.slice());
    this.#starts.push(this.#length);
    this.#length += chunk.byteLength;
    this.#kept += chunk.byteLength;
    while (this.#kept > this.retainBytes && this.#chunks.length > 1) this.#dropOldest();
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
        position = Math.max(position, this.#oldestKept());
        if (position < this.#length && !this.#released) {
          const data = this.#slice(position);
          position += data.byteLength;
          yield data;
          continue;
        }
        if (this.#closed) {
          this.#release();
          return;
        }
        await new Promise<void>((resolve) => {
          wakeReader = resolve;
          this.#waiters.push(resolve);
        });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #oldestKept(): number {
    if (this.#released) return this.#length;
    return this.#starts[0] ?? this.#length;
  }

  /** Drops what a reader has read to the end of a closed stream. */
  #release(): void {
    this.#released = true;
    this.#chunks.length = 0;
    this.#starts.length = 0;
    this.#kept = 0;
  }

  #dropOldest(): void {
    const dropped = this.#chunks.shift() as Uint8Array;
    this.#starts.shift();
    this.#kept -= dropped.byteLength;
  }

  /** At most `MAX_MESSAGE_BYTES` from `from` on: one gRPC message each, well under the limits. */
  #slice(from: number): Uint8Array {
    let index = this.#indexOf(from);
    const out = new Uint8Array(Math.min(this.#length - from, MAX_MESSAGE_BYTES));
    let at = 0;
    let skip = from - (this.#starts[index] as number);
    while (at < out.byteLength && index < this.#chunks.length) {
      const chunk = this.#chunks[index] as Uint8Array;
      const part = chunk.subarray(skip, skip + (out.byteLength - at));
      out.set(part, at);
      at += part.byteLength;
      skip = 0;
      index += 1;
    }
    return out;
  }

  /** Index of the kept chunk holding stream offset `offset` (binary search). */
  #indexOf(offset: number): number {
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.#starts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
