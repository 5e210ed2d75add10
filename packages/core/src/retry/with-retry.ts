import pRetry, { AbortError } from "p-retry";
import { isSandboxError } from "../errors/sandbox-error.js";

/** How `withRetry` retries. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** Delay before the first retry, in milliseconds. Default 200. */
  minDelayMs?: number;
  /** Upper bound of one delay, in milliseconds. Default 5000. */
  maxDelayMs?: number;
  /** Growth factor of the delay. Default 2. */
  factor?: number;
  /** Multiplies each delay by a random factor between 1 and 2. Default true. */
  jitter?: boolean;
  /** Gives up after this much total time, in milliseconds. */
  maxTotalMs?: number;
  /** Stops waiting and rejects with the signal's reason when aborted. */
  signal?: AbortSignal;
  /**
   * Whether repeating the call is safe. A non-idempotent call (e.g. `provision`) is retried only
   * when `idempotencyKey` is also given, because a retry after a lost response could otherwise
   * create a second resource. Default true.
   */
  idempotent?: boolean;
  /** The idempotency key the call carries, which makes a non-idempotent call safe to repeat. */
  idempotencyKey?: string;
  /** Called before each retry with the error and the number of the attempt that failed. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** The delay bounds `withRetry` uses, exposed so callers and tests can reason about them. */
export function retryDelayBounds(policy: RetryPolicy, retryNumber: number): { min: number; max: number } {
  const base = Math.min(
    (policy.minDelayMs ?? 200) * (policy.factor ?? 2) ** (retryNumber - 1),
    policy.maxDelayMs ?? 5000,
  );
  const jitter = policy.jitter ?? true;
  return { min: base, max: jitter ? Math.min(base * 2, policy.maxDelayMs ?? 5000) : base };
}

/**
 * Calls `operation` and retries it on errors whose `retryable` is true. Anything else (plain
 * errors, non-retryable `SandboxError`s) is rethrown at once. A `RateLimitedError` with
 * `retryAfterMs` waits at least that long. An abort stops at once, waiting or not.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const mayRepeat = (policy.idempotent ?? true) || policy.idempotencyKey !== undefined;
  const retries = mayRepeat ? Math.max(0, policy.retries ?? 3) : 0;
  const signal = policy.signal;
  signal?.throwIfAborted();
  return pRetry(
    async (attempt) => {
      try {
        return await operation(attempt);
      } catch (error) {
        if (signal?.aborted) throw new AbortError(asError(signal.reason));
        if (!isSandboxError(error) || !error.retryable) throw new AbortError(asError(error));
        throw error;
      }
    },
    {
      retries,
      factor: policy.factor ?? 2,
      minTimeout: policy.minDelayMs ?? 200,
      maxTimeout: policy.maxDelayMs ?? 5000,
      randomize: policy.jitter ?? true,
      maxRetryTime: policy.maxTotalMs ?? Number.POSITIVE_INFINITY,
      signal,
      unref: false,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0) return;
        policy.onRetry?.(error, attemptNumber);
        const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
        if (typeof retryAfterMs === "number" && retryAfterMs > 0) await sleep(retryAfterMs, signal);
      },
    },
  ).catch((error: unknown) => {
    // p-retry wraps non-Error rejections; hand back exactly what the operation threw.
    throw unwrap(error);
  });
}

const ORIGINAL = Symbol("original");

function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  const wrapper = new Error(String(value));
  (wrapper as unknown as Record<symbol, unknown>)[ORIGINAL] = value;
  return wrapper;
}

function unwrap(error: unknown): unknown {
  if (error !== null && typeof error === "object" && ORIGINAL in error) {
    return (error as Record<symbol, unknown>)[ORIGINAL];
  }
  return error;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
