/**
 * The newest `capacity` bytes of one output stream, for `attach({ fromStart: true })` replays.
 * Chunks are kept as they arrived (never copied or modified); when the total goes over the
 * capacity the oldest bytes are dropped, and `dropped` says so from then on.
 */
export class OutputRing {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #dropped = false;

  constructor(readonly capacity: number) {}

  /** True once any byte was dropped: a replay no longer starts at the stream's first byte. */
  get dropped(): boolean {
    return this.#dropped;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.capacity === 0) {
      this.#dropped = true;
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    while (this.#bytes > this.capacity) {
      const oldest = this.#chunks[0] as Uint8Array;
      const excess = this.#bytes - this.capacity;
      this.#dropped = true;
      if (oldest.byteLength <= excess) {
        this.#chunks.shift();
        this.#bytes -= oldest.byteLength;
      } else {
        this.#chunks[0] = oldest.subarray(excess);
        this.#bytes -= excess;
      }
    }
  }

  /** The kept chunks, oldest first (the array is a copy; the chunks are shared, read-only). */
  snapshot(): Uint8Array[] {
    return [...this.#chunks];
  }
}
