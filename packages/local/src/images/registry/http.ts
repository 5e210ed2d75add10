import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { InternalError, isSandboxError, UnavailableError } from "@openlattice/core";

/** Deadlines of one registry request. */
export interface HttpDeadlines {
  /** Until the response headers arrive. */
  readonly requestTimeoutMs: number;
  /** Longest pause between two body chunks. */
  readonly idleTimeoutMs: number;
}

/** A response whose body is a Node stream that fails with a typed error on a stall or a reset. */
export interface RegistryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly url: string;
  /** The body; consume it or call `discard()`. */
  readonly body: Readable;
  discard(): void;
}

const MAX_REDIRECTS = 5;
/** TLS failures that a retry cannot fix. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO|wrong version number/i;

/**
 * `fetch` for registry traffic: follows redirects itself so that the `Authorization` header never
 * travels to another origin (blob downloads often redirect to a storage bucket), enforces the
 * deadlines above, and turns network failures into retryable `unavailable` errors (TLS
 * verification failures are not retryable). An abort of `signal` rejects with its reason.
 */
export async function registryFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; signal?: AbortSignal | undefined },
  deadlines: HttpDeadlines,
): Promise<RegistryResponse> {
  let current = url;
  let headers = { ...init.headers };
  for (let hop = 0; ; hop++) {
    const response = await fetchOnce(current, init.method ?? "GET", headers, init.signal, deadlines);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) return response;
    response.discard();
    if (hop >= MAX_REDIRECTS)
      throw new UnavailableError(`${url}: more than ${MAX_REDIRECTS} redirects`, { provider: "local" });
    const next = new URL(location, current);
    if (next.origin !== new URL(current).origin) {
      const { authorization: _dropped, Authorization: _alsoDropped, ...rest } = headers;
      headers = rest;
    }
    current = next.toString();
  }
}

async function fetchOnce(
  url: string,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  deadlines: HttpDeadlines,
): Promise<RegistryResponse> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", forwardAbort, { once: true });
  const release = () => signal?.removeEventListener("abort", forwardAbort);
  const headerTimer = setTimeout(
    () => controller.abort(stalled(url, `no response within ${deadlines.requestTimeoutMs} ms`)),
    deadlines.requestTimeoutMs,
  );
  let response: Response;
  try {
    response = await fetch(url, { method, headers, redirect: "manual", signal: controller.signal });
  } catch (error) {
    release();
    throw mapFetchError(error, url, signal, controller.signal);
  } finally {
    clearTimeout(headerTimer);
  }
  const source = response.body
    ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
    : Readable.from([]);
  let idleTimer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () => controller.abort(stalled(url, `the download stalled for ${deadlines.idleTimeoutMs} ms`)),
      deadlines.idleTimeoutMs,
    );
  };
  const watchdog = new Transform({
    transform(chunk, _encoding, callback) {
      arm();
      callback(null, chunk);
    },
  });
  const done = () => {
    clearTimeout(idleTimer);
    release();
  };
  source.on("error", (error) => {
    done();
    watchdog.destroy(mapFetchError(error, url, signal, controller.signal) as Error);
  });
  source.on("end", done);
  watchdog.on("close", done);
  // Consumers see the error through iteration or their own listener; without this one, pipe()'s
  // cleanup re-emits it once the consumer has let go, which would be an uncaught exception.
  watchdog.on("error", () => {});
  arm();
  source.pipe(watchdog);
  return {
    status: response.status,
    headers: response.headers,
    url,
    body: watchdog,
    discard: () => {
      done();
      source.destroy();
      watchdog.destroy();
    },
  };
}

function stalled(url: string, what: string): UnavailableError {
  return new UnavailableError(`registry ${new URL(url).host}: ${what}`, { provider: "local" });
}

/** Maps whatever fetch or its body threw to the caller's abort reason or a typed error. */
export function mapFetchError(
  error: unknown,
  url: string,
  signal: AbortSignal | undefined,
  ours: AbortSignal,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (ours.aborted && isSandboxError(ours.reason)) return ours.reason;
  if (isSandboxError(error)) return error;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code ?? "";
  const detail = [code, cause?.message ?? (error as Error)?.message].filter(Boolean).join(" ");
  const host = new URL(url).host;
  if (TLS_CODES.test(detail)) {
    return new UnavailableError(`registry ${host}: TLS failed (${detail}); check its certificate`, {
      provider: "local",
      retryable: false,
      cause: error,
    });
  }
  return new UnavailableError(`registry ${host} is not answering (${detail || "connection failed"})`, {
    provider: "local",
    cause: error,
    details: { registry: host },
  });
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readLimited(response: RegistryResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? "-1");
  if (declared > limit) {
    response.discard();
    throw new InternalError(`${what} is ${declared} bytes, over the ${limit}-byte limit`, { provider: "local" });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      response.discard();
      throw new InternalError(`${what} is over the ${limit}-byte limit`, { provider: "local" });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
