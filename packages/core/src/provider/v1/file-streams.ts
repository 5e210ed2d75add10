/** Options of `fileStreams.readStream`. */
export interface ReadStreamOptions {
  /** First byte to read (inclusive); default 0. */
  start?: number;
  /** Last byte to read (exclusive); default the end of the file. */
  end?: number;
  /** Called as bytes arrive with the running total. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Options of `fileStreams.writeStream`. */
export interface WriteStreamOptions {
  /** Permission bits of a created file; default `0o644`. */
  mode?: number;
  /** Called as bytes are written with the running total. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Files moved as streams, in constant memory on both sides: no size limit but the sandbox's
 * disk. Paths resolve like the `files` extension's.
 */
export interface FileStreamsExtension {
  /** A stream of the file's bytes (or of `[start, end)`); `not_found` for a missing file. */
  readStream(path: string, options?: ReadStreamOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * A stream that creates or replaces the file (parents created). The file appears under its
   * name only once the stream is closed; an aborted or errored stream leaves the old file.
   */
  writeStream(path: string, options?: WriteStreamOptions): Promise<WritableStream<Uint8Array>>;
}

/** What happened to a watched path. */
export type FileEventType = "create" | "modify" | "delete";

export interface FileEvent {
  readonly type: FileEventType;
  /** The path that changed, as the sandbox sees it. */
  readonly path: string;
}

/** Options of `fileWatch.watch`. */
export interface WatchOptions {
  /** Also report changes in subdirectories (created ones included). */
  recursive?: boolean;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** Change notifications for files inside a sandbox. */
export interface FileWatchExtension {
  /**
   * Yields events for `path` (a directory, or a file) until the signal aborts, the iterator
   * is returned, or the sandbox ends. The watch is in place once the promise resolves.
   */
  watch(path: string, options?: WatchOptions): Promise<AsyncIterable<FileEvent>>;
}

/** The duration limit of a live sandbox. */
export interface LifetimeExtension {
  /** When the sandbox will be ended by its duration limit; `undefined` when it has none. */
  deadline(): Promise<Date | undefined>;
  /**
   * Moves the deadline `seconds` later (from the current deadline, or from now when there is
   * none) and resolves with the new one. Beyond `constraints.maxDurationSeconds` from creation
   * is `invalid_argument`.
   */
  extend(seconds: number): Promise<Date>;
}
