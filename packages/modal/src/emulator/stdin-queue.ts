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
  #wake: (() => void) | undefined;

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
    this.#signal();
  }

  /** Yields chunks in order as they arrive; returns at EOF. One reader at a time. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        yield chunk;
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

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
