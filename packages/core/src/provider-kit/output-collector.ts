import { DEFAULT_MAX_OUTPUT_BYTES } from "../provider/v1/exec.js";

/** Where a collector forwards a stream while it runs. */
export interface OutputCallbacks {
  /** Text, decoded incrementally: a character split across chunks arrives whole. */
  readonly onText?: ((chunk: string) => void) | undefined;
  /** Raw bytes, exactly as produced. */
  readonly onBytes?: ((chunk: Uint8Array) => void) | undefined;
}

/**
 * Collects one output stream of a command for provider implementations: forwards every chunk
 * to the caller's callbacks as it arrives (bytes as they are, text decoded incrementally),
 * keeps at most `maxBytes` in memory, and records whether anything was dropped.
 *
 * `push` takes ownership of the chunk: the producer must not modify it afterwards (chunks
 * from Node streams and gRPC messages are fresh). That is what lets callers keep streamed
 * chunks after their callback returns without a copy per chunk.
 */
export class OutputCollector {
  private readonly chunks: Uint8Array[] = [];
  private kept = 0;
  private total = 0;
  private dropped = false;
  private readonly decoder: InstanceType<typeof TextDecoder> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly maxBytes: number = DEFAULT_MAX_OUTPUT_BYTES,
    private readonly callbacks: OutputCallbacks = {},
  ) {
    this.decoder = callbacks.onText ? new TextDecoder("utf-8", { fatal: false }) : undefined;
  }

  /**
   * Accepts the next chunk. A callback that throws is not the command's fault: the first error
   * is kept in `callbackError`, nothing more is forwarded, and the provider rejects the exec
   * with it once the command has ended.
   */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.total += chunk.byteLength;
    this.keep(chunk);
    this.forward(() => {
      this.callbacks.onBytes?.(chunk);
      if (this.decoder) {
        const text = this.decoder.decode(chunk, { stream: true });
        if (text !== "") this.callbacks.onText?.(text);
      }
    });
  }

  /**
   * Ends the stream: text callbacks receive what the decoder still held (an incomplete final
   * character becomes U+FFFD). Call once, after the last `push`.
   */
  end(): void {
    const decoder = this.decoder;
    if (!decoder) return;
    this.forward(() => {
      const text = decoder.decode();
      if (text !== "") this.callbacks.onText?.(text);
    });
  }

  /** The first error a callback threw, if any. */
  get callbackError(): unknown {
    return this.failure?.error;
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

  private forward(deliver: () => void): void {
    if (this.failure) return;
    try {
      deliver();
    } catch (error) {
      this.failure = { error };
    }
  }

  private keep(chunk: Uint8Array): void {
    const room = this.maxBytes - this.kept;
    if (room <= 0) {
      this.dropped = true;
      return;
    }
    const part = chunk.byteLength <= room ? chunk : chunk.subarray(0, room);
    if (part.byteLength < chunk.byteLength) this.dropped = true;
    this.chunks.push(part);
    this.kept += part.byteLength;
  }
}

/** The two collectors of one exec request, wired to its callbacks and its output cap. */
export function collectorsFor(request: {
  readonly maxOutputBytes: number;
  readonly onStdout?: ((chunk: string) => void) | undefined;
  readonly onStderr?: ((chunk: string) => void) | undefined;
  readonly onStdoutBytes?: ((chunk: Uint8Array) => void) | undefined;
  readonly onStderrBytes?: ((chunk: Uint8Array) => void) | undefined;
}): { stdout: OutputCollector; stderr: OutputCollector } {
  return {
    stdout: new OutputCollector(request.maxOutputBytes, { onText: request.onStdout, onBytes: request.onStdoutBytes }),
    stderr: new OutputCollector(request.maxOutputBytes, { onText: request.onStderr, onBytes: request.onStderrBytes }),
  };
}
