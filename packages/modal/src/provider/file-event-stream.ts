import {
  type FileEvent,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  type SandboxError,
} from "@openlattice/core";
import type { ContainerProcess } from "modal";
import { eventsOfLine, fsToolsError } from "./fs-tools-watch-command.js";
import { mapModalError } from "./map-modal-error.js";

/** Events queued for a consumer that does not pull; past it, fs-tools' output waits on the server. */
const MAX_QUEUED = 1024;

/**
 * The events of one fs-tools `Watch` exec as an async iterator. Unlike the SDK's
 * `filesystem.watch` generator, `return()` and the abort signal end it at once even while no
 * event is coming: the stdout stream is cancelled and stdin closed, which ends the watch in
 * the sandbox. Events for which `hide` is true (the provider's own probe files) are dropped.
 */
export class FileEventStream implements AsyncIterableIterator<FileEvent> {
  readonly #process: ContainerProcess<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #queue: FileEvent[] = [];
  readonly #waiters: { resolve: (result: IteratorResult<FileEvent>) => void; reject: (error: unknown) => void }[] = [];
  readonly #hide: (event: FileEvent) => boolean;
  readonly #context: { path: string; externalId: string };
  #ended = false;
  #failure: SandboxError | undefined;
  #resume: (() => void) | undefined;
  readonly #seen: ((event: FileEvent) => void)[] = [];

  constructor(
    process: ContainerProcess<Uint8Array>,
    context: { path: string; externalId: string },
    hide: (event: FileEvent) => boolean,
  ) {
    this.#process = process;
    this.#reader = process.stdout.getReader();
    this.#context = context;
    this.#hide = hide;
    void this.#pump();
  }

  /** Resolves with the first event (hidden ones included) that `match` accepts. */
  until(match: (event: FileEvent) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const listener = (event: FileEvent) => {
        if (match(event)) done(true);
      };
      const done = (found: boolean) => {
        clearTimeout(timer);
        const index = this.#seen.indexOf(listener);
        if (index >= 0) this.#seen.splice(index, 1);
        resolve(found);
      };
      this.#seen.push(listener);
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<FileEvent>> {
    const event = this.#queue.shift();
    if (event) {
      if (this.#queue.length < MAX_QUEUED) this.#resume?.();
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<FileEvent>> {
    this.stop();
    return { value: undefined, done: true };
  }

  /** Ends the watch: pending and later `next()` calls are done. */
  stop(): void {
    if (this.#ended) return;
    this.#queue.length = 0;
    this.#finish(undefined);
    void this.#reader.cancel().catch(() => undefined);
    // Closing stdin is how the SDK ends a watch: fs-tools exits, the exec ends.
    void this.#process.stdin
      .close()
      .catch(() => undefined)
      .then(() => this.#process.wait())
      .catch(() => undefined);
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for (;;) {
        if (this.#queue.length >= MAX_QUEUED) await new Promise<void>((resolve) => (this.#resume = resolve));
        if (this.#ended) return;
        const { value, done } = await this.#reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) for (const event of eventsOfLine(line)) this.#offer(event);
      }
      if (this.#ended) return;
      const code = await this.#process.wait();
      this.#finish(code === 0 ? undefined : await this.#exitError(code));
    } catch (error) {
      if (!this.#ended) {
        this.#finish(mapModalError(error, { operation: "fileWatch.watch", externalId: this.#context.externalId }));
      }
    }
  }

  #offer(event: FileEvent): void {
    for (const listener of [...this.#seen]) listener(event);
    if (this.#ended || this.#hide(event)) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve({ value: event, done: false });
    else this.#queue.push(event);
  }

  async #exitError(code: number): Promise<SandboxError> {
    const stderr = new TextDecoder().decode(await this.#process.stderr.readBytes().catch(() => new Uint8Array()));
    const reported = fsToolsError(stderr);
    const where = `fileWatch.watch ${this.#context.externalId}: ${this.#context.path}`;
    const options = { provider: "modal", details: { path: this.#context.path, exitCode: code } };
    if (reported?.kind === "NotFound") return new NotFoundError(`${where}: ${reported.message}`, options);
    if (reported?.kind === "PermissionDenied" || reported?.kind === "NotSupported") {
      return new InvalidArgumentError("path", `${where}: ${reported.message}`, options);
    }
    return new InternalError(`${where}: the watch ended (exit ${code}): ${stderr.trim().slice(-300)}`, options);
  }

  #finish(failure: SandboxError | undefined): void {
    this.#ended = true;
    this.#failure = failure;
    this.#resume?.();
    for (const waiter of this.#waiters.splice(0)) {
      if (failure) waiter.reject(failure);
      else waiter.resolve({ value: undefined, done: true });
    }
  }
}
