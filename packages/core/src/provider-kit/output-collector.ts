/**
 * Collects one output stream of a command for provider implementations: forwards every chunk
 * to the caller's callback as it arrives, keeps at most `maxBytes` in memory, and records
 * whether anything was dropped.
 */
export class OutputCollector {
  private readonly chunks: Uint8Array[] = [];
  private kept = 0;
  private total = 0;
  private dropped = false;

  constructor(
    private readonly maxBytes: number = Number.POSITIVE_INFINITY,
    private readonly onChunk?: (chunk: Uint8Array) => void,
  ) {}

  /** Accepts the next chunk. Callback errors are not the command's fault and are rethrown later by the caller. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.total += chunk.byteLength;
    this.onChunk?.(chunk);
    const room = this.maxBytes - this.kept;
    if (room <= 0) {
      this.dropped = true;
      return;
    }
    const part = chunk.byteLength <= room ? chunk : chunk.subarray(0, room);
    if (part.byteLength < chunk.byteLength) this.dropped = true;
    // Copy: the producer may reuse its buffer after the callback returns.
    this.chunks.push(part.slice());
    this.kept += part.byteLength;
  }

  /** Total bytes seen, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.dropped;
  }

  /** The kept bytes, in order. */
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const out = new Uint8Array(this.kept);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}
